package ferretdbv1

// DecodeSJSON converts one SJSON document to BSON, for the tests.
var DecodeSJSON = decodeSJSON
