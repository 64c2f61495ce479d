package ferretdbv1_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/repository/ferretdbv1"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func marshal(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeSJSON covers what FerretDB does not write today but the format
// allows, and the layout cases, on hand-written SJSON.
func TestDecodeSJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want bson.D
	}{{
		name: "empty document",
		in:   `{"$s":{}}`,
		want: bson.D{},
	}, {
		name: "negative zero and extremes",
		in: `{"$s":{"p":{"z":{"t":"double"},"m":{"t":"double"},"s":{"t":"double"},"i":{"t":"int"},"l":{"t":"long"}},"$k":["z","m","s","i","l"]},` +
			`"z":-0,"m":1.7976931348623157e+308,"s":5e-324,"i":-2147483648,"l":-9223372036854775808}`,
		want: bson.D{{Key: "z", Value: math.Copysign(0, -1)}, {Key: "m", Value: math.MaxFloat64}, {Key: "s", Value: 5e-324},
			{Key: "i", Value: int32(math.MinInt32)}, {Key: "l", Value: int64(math.MinInt64)}},
	}, {
		name: "members in another order than the schema's, with spaces",
		in:   `{ "b" : 2, "$s": {"p":{"a":{"t":"int"},"b":{"t":"long"}},"$k":["a","b"]}, "a": 1 }`,
		want: bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: int64(2)}},
	}, {
		name: "null whatever the schema says",
		in:   `{"$s":{"p":{"a":{"t":"string"}},"$k":["a"]},"a":null}`,
		want: bson.D{{Key: "a", Value: nil}},
	}, {
		name: "top-level keys as written, unescaped",
		in:   "{\"$s\":{\"p\":{\"a\\\\nb\":{\"t\":\"int\"},\"c\\nd\":{\"t\":\"int\"},\"\":{\"t\":\"int\"}},\"$k\":[\"a\\\\nb\",\"c\\nd\",\"\"]},\"a\\nb\":1,\"c\nd\":2,\"\":3}",
		want: bson.D{{Key: `a\nb`, Value: int32(1)}, {Key: "c\nd", Value: int32(2)}, {Key: "", Value: int32(3)}},
	}, {
		name: "nested keys escaped, strings with brackets",
		in: `{"$s":{"p":{"o":{"t":"object","$s":{"p":{"a\"}":{"t":"string"},"\u003c":{"t":"array","i":[{"t":"string"},{"t":"object","$s":{}}]}},"$k":["a\"}","\u003c"]}}},"$k":["o"]},` +
			`"o":{"a\"}":"]}\\\"","\u003c":["{[",{}]}}`,
		want: bson.D{{Key: "o", Value: bson.D{{Key: `a"}`, Value: `]}\"`}, {Key: "<", Value: bson.A{"{[", bson.D{}}}}}},
	}, {
		name: "empty object with a schema for keys",
		in:   `{"$s":{"p":{"o":{"t":"object","$s":{"p":{"a":{"t":"int"}},"$k":["a"]}}},"$k":["o"]},"o":{}}`,
		want: bson.D{{Key: "o", Value: bson.D{}}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ferretdbv1.DecodeSJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if want := marshal(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("got  %v\nwant %v", got, want)
			}
		})
	}
}

func TestDecodeSJSONBinarySubtype2(t *testing.T) {
	// FerretDB keeps the old binary subtype's inner length in the data, and
	// sends it back so; the driver's encoder would add another.
	got, err := ferretdbv1.DecodeSJSON([]byte(`{"$s":{"p":{"b":{"t":"binData","s":2}},"$k":["b"]},"b":"AgAAAAkJ"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{19, 0, 0, 0, 0x05, 'b', 0, 6, 0, 0, 0, 2, 2, 0, 0, 0, 9, 9, 0}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", []byte(got), want)
	}
}

func TestDecodeSJSONErrors(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{`{"a":1}`, "no schema"},
		{`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]}}`, "1 keys in the schema, 0 fields"},
		{`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"b":1}`, `no field "a"`},
		{`{"$s":{"p":{"a":{"t":"int","x":1}},"$k":["a"]},"a":1}`, `unknown field "x"`},
		{`{"$s":{"p":{"a":{"t":"decimal"}},"$k":["a"]},"a":1}`, `unknown type "decimal"`},
		{`{"$s":{"p":{},"$k":["a"]},"a":1}`, "no type in the schema"},
		{`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":2147483648}`, "int32"},
		{`{"$s":{"p":{"a":{"t":"long"}},"$k":["a"]},"a":1.5}`, "int64"},
		{`{"$s":{"p":{"a":{"t":"objectId"}},"$k":["a"]},"a":"abcd"}`, "objectId of 2 bytes"},
		{`{"$s":{"p":{"a":{"t":"binData"}},"$k":["a"]},"a":""}`, "without a subtype"},
		{`{"$s":{"p":{"a":{"t":"regex"}},"$k":["a"]},"a":"x"}`, "without options"},
		{`{"$s":{"p":{"a":{"t":"regex","o":""}},"$k":["a"]},"a":"x\u0000"}`, "NUL"},
		{`{"$s":{"p":{"a":{"t":"array","i":[]}},"$k":["a"]},"a":[1]}`, "0 item types in the schema, 1 items"},
		{`{"$s":{"p":{"a":{"t":"null"}},"$k":["a"]},"a":1}`, "type null"},
		{`{"$s":{"p":{"a\u0000":{"t":"int"}},"$k":["a\u0000"]},"a\u0000":1}`, "NUL"},
		{`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":1`, "unexpected end"},
	} {
		_, err := ferretdbv1.DecodeSJSON([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got error %v, want one with %q", tc.in, err, tc.err)
		}
	}
}
