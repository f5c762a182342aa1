DROP TABLE scopes;
