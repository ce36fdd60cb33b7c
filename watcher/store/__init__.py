"""All SQL lives here: tables, engines, migrations and the queries of each aggregate."""
