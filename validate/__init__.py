"""Reading extensions.csv with physical line numbers, running the schema, reporting findings."""
