package sqlite_test

import (
	"os"
	"testing"

	"github.com/rapporthq/rapport/repository/repositorytest"
)

func TestMain(m *testing.M) { os.Exit(repositorytest.Main(m)) }

func TestContract(t *testing.T) { repositorytest.Run(t, repositorytest.SQLite()) }
