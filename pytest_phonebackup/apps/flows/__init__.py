"""The flows of `kind: appium` scenarios: their schema, selector matching and runner."""
