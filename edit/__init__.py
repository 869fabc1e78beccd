"""Commands that rewrite extensions.csv (generate, rotate, hr-sync) and export."""
