package ferretdb_test

import (
	"context"
	"testing"

	"github.com/rapporthq/rapport/repository/mongo/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestStartPersistsAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(doc bson.D) {
		t.Helper()
		s, err := ferretdb.Start(ctx, ferretdb.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		c, err := mongo.Connect(options.Client().ApplyURI(s.URI()))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Disconnect(ctx)
		if doc != nil {
			if _, err := c.Database("t").Collection("c").InsertOne(ctx, doc); err != nil {
				t.Fatal(err)
			}
			return
		}
		var got bson.M
		if err := c.Database("t").Collection("c").FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&got); err != nil {
			t.Fatalf("after restart: %v", err)
		}
		if got["v"] != "x" {
			t.Fatalf("got %v", got)
		}
	}
	write(bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: "x"}})
	write(nil)
}
