package main

import (
	"os"
	"testing"

	"github.com/rapporthq/rapport/repository/repositorytest"
)

// TestMain stops the FerretDB server the MongoDB tests start, if any.
func TestMain(m *testing.M) { os.Exit(repositorytest.Main(m)) }
