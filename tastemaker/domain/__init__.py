"""Pure Python: resource records, ARNs, status lifecycle, Avro schemas, filter expressions."""
