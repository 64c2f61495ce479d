package service

import (
	"context"
	"hash/crc32"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"go.einride.tech/aip/pagination"
)

// Paging limits of every List method, as documented in the proto. A page
// larger than heavyPageSize is a heavy read (access.HeavyReads); exports
// and rebuilds read the history historyBatch items at a time.
const (
	defaultPageSize = 50
	maxPageSize     = 500
	heavyPageSize   = 100
	historyBatch    = 100
)

// historyPageToken is the position after the last item of a page, bound to
// the request's parent and filter (and the tenant) by a checksum.
type historyPageToken struct {
	Time     time.Time
	ID       string
	Checksum uint32
}

// pageSize applies the default and maximum of a List method's page_size.
func pageSize(v *violations, size int32) int {
	switch {
	case size < 0:
		v.add("page_size", "must not be negative")
	case size == 0:
		return defaultPageSize
	case size > maxPageSize:
		return maxPageSize
	}
	return int(size)
}

// pageChecksum binds a page token to the request (without paging fields)
// and to the caller's tenant.
func pageChecksum(ctx context.Context, req pagination.Request) (uint32, error) {
	c, err := pagination.CalculateRequestChecksum(req)
	if err != nil {
		return 0, err
	}
	return c ^ crcString(access.TenantOf(ctx)), nil
}

// decodeHistoryToken reads a page token into tok, or adds a violation.
func decodeHistoryToken(v *violations, token string, checksum uint32, tok *historyPageToken) {
	if token == "" {
		return
	}
	if err := pagination.DecodePageTokenStruct(token, tok); err != nil || tok.Checksum != checksum || tok.ID == "" {
		v.add("page_token", "is not a page token of this request; start again without one")
	}
}

// newestFirstPage serves one page of a customer's newest-first list
// (interactions, issues): it checks page size, filter error and page token,
// that the parent customer exists, lists after the token's cursor, and
// makes the next page's token from the last item's cursor.
func newestFirstPage[T any](ctx context.Context, heavy *access.HeavyReads, req pagination.Request, parent string, filterErr error,
	getCustomer func(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error),
	list func(customerID string, after *repository.Cursor, size int) ([]T, bool, error),
	cursor func(T) repository.Cursor,
) ([]T, string, error) {
	customerID, err := parseCustomerName("parent", parent)
	if err != nil {
		return nil, "", err
	}
	size, after, checksum, err := startPage(ctx, req, filterErr)
	if err != nil {
		return nil, "", err
	}
	if size > heavyPageSize {
		_, release, err := heavy.Acquire(ctx, access.TenantOf(ctx))
		if err != nil {
			return nil, "", err
		}
		defer release()
	}
	if _, err := getCustomer(ctx, access.TenantOf(ctx), customerID); err != nil {
		return nil, "", customerErr(err, parent)
	}
	items, more, err := list(customerID, after, size)
	if err != nil || !more {
		return items, "", err
	}
	return items, nextPageToken(cursor(items[len(items)-1]), checksum), nil
}

// startPage checks the paging of a newest-first list request: its page
// size, the error of its filter if any, and its page token. It returns the
// page size, the position to list after (nil for the first page), and the
// checksum that binds the next page's token to the request and tenant.
func startPage(ctx context.Context, req pagination.Request, filterErr error) (int, *repository.Cursor, uint32, error) {
	var v violations
	size := pageSize(&v, req.GetPageSize())
	if filterErr != nil {
		v.add("filter", "%s", filterErr.Error())
	}
	checksum, err := pageChecksum(ctx, req)
	if err != nil {
		return 0, nil, 0, err
	}
	var tok historyPageToken
	decodeHistoryToken(&v, req.GetPageToken(), checksum, &tok)
	if err := v.err(); err != nil {
		return 0, nil, 0, err
	}
	if tok.ID == "" {
		return size, nil, checksum, nil
	}
	return size, &repository.Cursor{Time: tok.Time, ID: tok.ID}, checksum, nil
}

// nextPageToken is the token of the page after the item at c.
func nextPageToken(c repository.Cursor, checksum uint32) string {
	return pagination.EncodePageTokenStruct(historyPageToken{Time: c.Time, ID: c.ID, Checksum: checksum})
}

// allPages collects every item of a newest-first list, page by page.
func allPages[T any](list func(after *repository.Cursor, size int) ([]T, bool, error), cursor func(T) repository.Cursor) ([]T, error) {
	var all []T
	err := eachPage(list, cursor, func(page []T) error {
		all = append(all, page...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// eachPage reads a newest-first list a page of historyBatch at a time and
// hands each page to fn before reading the next, so that only one page is
// held at once. An error from list or fn stops it and is returned.
func eachPage[T any](list func(after *repository.Cursor, size int) ([]T, bool, error), cursor func(T) repository.Cursor, fn func(page []T) error) error {
	var after *repository.Cursor
	for {
		page, more, err := list(after, historyBatch)
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
		if !more || len(page) == 0 {
			return nil
		}
		c := cursor(page[len(page)-1])
		after = &c
	}
}

// interactionCursor and issueCursor are the list positions of an item.
func interactionCursor(in *rapportv1.Interaction) repository.Cursor {
	_, id, _ := parseInteractionName("", in.GetName())
	return repository.Cursor{Time: in.GetOccurTime().AsTime(), ID: id}
}

func issueCursor(is *rapportv1.Issue) repository.Cursor {
	_, id, _ := parseIssueName("", is.GetName())
	return repository.Cursor{Time: is.GetOpenTime().AsTime(), ID: id}
}

func crcString(s string) uint32 { return crc32.ChecksumIEEE([]byte(s)) }
