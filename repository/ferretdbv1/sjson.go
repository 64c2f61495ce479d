package ferretdbv1

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// schema and elem mirror FerretDB v1's internal/handler/sjson types, with
// which it wrote the "$s" member.
type schema struct {
	Properties map[string]*elem `json:"p"`
	Keys       []string         `json:"$k"`
}

type elem struct {
	Type    string  `json:"t"`
	Schema  *schema `json:"$s,omitempty"` // object
	Options *string `json:"o,omitempty"`  // regex
	Items   []*elem `json:"i,omitempty"`  // array
	Subtype *uint8  `json:"s,omitempty"`  // binData
}

// BSON element types.
const (
	bsonDouble    = 0x01
	bsonString    = 0x02
	bsonDocument  = 0x03
	bsonArray     = 0x04
	bsonBinary    = 0x05
	bsonObjectID  = 0x07
	bsonBool      = 0x08
	bsonDateTime  = 0x09
	bsonNull      = 0x0a
	bsonRegex     = 0x0b
	bsonInt32     = 0x10
	bsonTimestamp = 0x11
	bsonInt64     = 0x12
)

const sjsonPrefix = `{"$s":`

// decodeSJSON converts one document from FerretDB v1's SJSON to BSON, encoded
// as FerretDB encoded it on the wire.
func decodeSJSON(data []byte) (bson.Raw, error) {
	sch, values, err := splitAsWritten(data)
	if errors.Is(err, errLayout) {
		sch, values, err = splitAsJSON(data)
	}
	if err != nil {
		return nil, err
	}
	e := encoder{b: make([]byte, 0, len(data))}
	start := e.begin()
	for i, key := range sch.Keys {
		if err := e.value(key, values[i], sch.Properties[key]); err != nil {
			return nil, err
		}
	}
	e.end(start)
	return bson.Raw(e.b), nil
}

// errLayout is splitAsWritten's word that data is not laid out as FerretDB
// writes it.
var errLayout = errors.New("not in FerretDB's layout")

// splitAsWritten splits a document laid out as FerretDB's sjson.Marshal
// writes it: `{"$s":` schema, then `,"` key `":` value for each key of the
// schema in its order, then `}`. Marshal writes top-level keys unescaped, so
// they are matched as raw bytes, which JSON decoding does not do for a key
// with a backslash or a control character in it.
func splitAsWritten(data []byte) (*schema, [][]byte, error) {
	if !bytes.HasPrefix(data, []byte(sjsonPrefix)) {
		return nil, nil, errLayout
	}
	i := len(sjsonPrefix)
	end, ok := skipValue(data, i)
	if !ok {
		return nil, nil, errLayout
	}
	sch, err := decodeSchema(data[i:end])
	if err != nil {
		return nil, nil, err
	}
	i = end
	values := make([][]byte, len(sch.Keys))
	for k, key := range sch.Keys {
		if len(data) < i+len(key)+4 || data[i] != ',' || data[i+1] != '"' ||
			string(data[i+2:i+2+len(key)]) != key || data[i+2+len(key)] != '"' || data[i+3+len(key)] != ':' {
			return nil, nil, errLayout
		}
		i += len(key) + 4
		end, ok := skipValue(data, i)
		if !ok {
			return nil, nil, errLayout
		}
		values[k], i = data[i:end], end
	}
	if i != len(data)-1 || data[i] != '}' {
		return nil, nil, errLayout
	}
	return sch, values, nil
}

// splitAsJSON splits a document as FerretDB's sjson.Unmarshal does: as a
// JSON object whose members, but "$s", are the keys of the schema, in any
// order.
func splitAsJSON(data []byte) (*schema, [][]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, err
	}
	s, ok := m["$s"]
	if !ok {
		return nil, nil, errors.New(`no schema ("$s")`)
	}
	delete(m, "$s")
	sch, err := decodeSchema(s)
	if err != nil {
		return nil, nil, err
	}
	values, err := valuesOf(sch, m)
	if err != nil {
		return nil, nil, err
	}
	return sch, values, nil
}

func decodeSchema(data []byte) (*schema, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // as FerretDB does
	var sch schema
	if err := dec.Decode(&sch); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if dec.InputOffset() != int64(len(data)) {
		return nil, errors.New("schema: trailing data")
	}
	return &sch, nil
}

// valuesOf returns the values of m in the order of sch's keys, which must be
// m's keys.
func valuesOf(sch *schema, m map[string]json.RawMessage) ([][]byte, error) {
	if len(sch.Keys) != len(m) {
		return nil, fmt.Errorf("%d keys in the schema, %d fields", len(sch.Keys), len(m))
	}
	values := make([][]byte, len(sch.Keys))
	for i, key := range sch.Keys {
		v, ok := m[key]
		if !ok {
			return nil, fmt.Errorf("no field %q", key)
		}
		values[i] = v
	}
	return values, nil
}

// skipValue returns the end of the JSON value that starts at data[i], which
// is only delimited here: it is parsed when it is converted.
func skipValue(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return 0, false
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, ok := skipString(data, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	default:
		j := i
		for j < len(data) && !strings.ContainsRune(",}] \t\r\n", rune(data[j])) {
			j++
		}
		return j, j > i
	}
}

func skipString(data []byte, i int) (int, bool) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// encoder appends BSON to b.
type encoder struct{ b []byte }

func (e *encoder) begin() int {
	start := len(e.b)
	e.b = append(e.b, 0, 0, 0, 0)
	return start
}

func (e *encoder) end(start int) {
	e.b = append(e.b, 0)
	binary.LittleEndian.PutUint32(e.b[start:], uint32(len(e.b)-start))
}

func (e *encoder) header(t byte, key string) error {
	if strings.IndexByte(key, 0) >= 0 {
		return fmt.Errorf("key %q: a BSON key cannot hold a NUL byte", key)
	}
	e.b = append(e.b, t)
	e.b = append(e.b, key...)
	e.b = append(e.b, 0)
	return nil
}

func (e *encoder) cstring(s, what string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s %q: BSON cannot hold a NUL byte there", what, s)
	}
	e.b = append(e.b, s...)
	e.b = append(e.b, 0)
	return nil
}

// value appends the element key whose SJSON value is data and whose type is
// sch, as FerretDB's sjson.unmarshalSingleValue reads it.
func (e *encoder) value(key string, data []byte, sch *elem) error {
	if err := e.elem(key, data, sch); err != nil {
		return fmt.Errorf("%q: %w", key, err)
	}
	return nil
}

func (e *encoder) elem(key string, data []byte, sch *elem) error {
	if string(data) == "null" {
		return e.header(bsonNull, key)
	}
	if sch == nil {
		return errors.New("no type in the schema")
	}
	switch sch.Type {
	case "object":
		if sch.Schema == nil {
			return errors.New("object without a schema")
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return err
		}
		var values [][]byte
		if len(m) > 0 {
			var err error
			if values, err = valuesOf(sch.Schema, m); err != nil {
				return err
			}
		}
		if err := e.header(bsonDocument, key); err != nil {
			return err
		}
		start := e.begin()
		for i, v := range values {
			k := sch.Schema.Keys[i]
			if err := e.value(k, v, sch.Schema.Properties[k]); err != nil {
				return err
			}
		}
		e.end(start)
	case "array":
		if sch.Items == nil {
			return errors.New("array without item types")
		}
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return err
		}
		if len(items) != len(sch.Items) {
			return fmt.Errorf("%d item types in the schema, %d items", len(sch.Items), len(items))
		}
		if err := e.header(bsonArray, key); err != nil {
			return err
		}
		start := e.begin()
		for i, v := range items {
			if err := e.value(strconv.Itoa(i), v, sch.Items[i]); err != nil {
				return err
			}
		}
		e.end(start)
	case "double":
		var f float64
		if err := json.Unmarshal(data, &f); err != nil {
			return err
		}
		if err := e.header(bsonDouble, key); err != nil {
			return err
		}
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(f))
	case "string":
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		if err := e.header(bsonString, key); err != nil {
			return err
		}
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(len(s)+1))
		e.b = append(e.b, s...)
		e.b = append(e.b, 0)
	case "binData":
		if sch.Subtype == nil {
			return errors.New("binData without a subtype")
		}
		var b []byte
		if err := json.Unmarshal(data, &b); err != nil {
			return err
		}
		if err := e.header(bsonBinary, key); err != nil {
			return err
		}
		// As FerretDB encodes it: subtype 2's inner length is part of b.
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(len(b)))
		e.b = append(e.b, *sch.Subtype)
		e.b = append(e.b, b...)
	case "objectId":
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		id, err := hex.DecodeString(s)
		if err != nil {
			return fmt.Errorf("objectId: %w", err)
		}
		if len(id) != 12 {
			return fmt.Errorf("objectId of %d bytes", len(id))
		}
		if err := e.header(bsonObjectID, key); err != nil {
			return err
		}
		e.b = append(e.b, id...)
	case "bool":
		var v bool
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		if err := e.header(bsonBool, key); err != nil {
			return err
		}
		if v {
			e.b = append(e.b, 1)
		} else {
			e.b = append(e.b, 0)
		}
	case "date":
		var ms int64
		if err := json.Unmarshal(data, &ms); err != nil {
			return err
		}
		if err := e.header(bsonDateTime, key); err != nil {
			return err
		}
		e.b = binary.LittleEndian.AppendUint64(e.b, uint64(ms))
	case "regex":
		if sch.Options == nil {
			return errors.New("regex without options")
		}
		var pattern string
		if err := json.Unmarshal(data, &pattern); err != nil {
			return err
		}
		if err := e.header(bsonRegex, key); err != nil {
			return err
		}
		if err := e.cstring(pattern, "regex pattern"); err != nil {
			return err
		}
		if err := e.cstring(*sch.Options, "regex options"); err != nil {
			return err
		}
	case "int":
		var v int32
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		if err := e.header(bsonInt32, key); err != nil {
			return err
		}
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(v))
	case "timestamp":
		var v uint64
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		if err := e.header(bsonTimestamp, key); err != nil {
			return err
		}
		e.b = binary.LittleEndian.AppendUint64(e.b, v)
	case "long":
		var v int64
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		if err := e.header(bsonInt64, key); err != nil {
			return err
		}
		e.b = binary.LittleEndian.AppendUint64(e.b, uint64(v))
	case "null":
		return fmt.Errorf("type null, value %s", data)
	default:
		return fmt.Errorf("unknown type %q", sch.Type)
	}
	return nil
}
