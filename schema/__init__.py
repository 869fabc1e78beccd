"""What a valid extensions.csv is: columns, rules and the pandera schema."""
