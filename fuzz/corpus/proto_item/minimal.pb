
id-1https://example.org/b