package main

import (
	"context"
	"flag"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// addrFlag adds --addr, the Rapport server a command talks to
// (RAPPORT_ADDR, default the quickstart's address).
func addrFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	addr := getenv("RAPPORT_ADDR")
	if addr == "" {
		addr = "127.0.0.1:50051"
	}
	return fs.String("addr", addr, "address of the Rapport server (RAPPORT_ADDR)")
}

// dial opens a client connection to the Rapport server at addr.
func dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// demoCustomerNames names the demo customers, for messages.
const demoCustomerNames = "customers/ada-lovelace, customers/grace-hopper, customers/alan-turing, customers/katherine-johnson"

// loadDemoAt loads the demo data through the API of the server at addr,
// within a minute.
func loadDemoAt(ctx context.Context, addr string) error {
	conn, err := dial(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return seedDemo(ctx, conn, time.Now())
}
