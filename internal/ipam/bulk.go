package ipam

import "strings"

// BulkTx is what moving a whole store needs beyond Tx (internal/dump's
// export and import): every account's rows, and inserts many rows at once.
// Every store's Tx implements it; storetest pins it on each.
type BulkTx interface {
	Tx
	// ListAllIPAMs and ListAllScopes return every account's rows, ascending
	// by id.
	ListAllIPAMs() ([]*IPAM, error)
	ListAllScopes() ([]*Scope, error)
	// ListAllVPCs and ListAllSubnets return every account's VPCs and
	// subnets, ascending by id.
	ListAllVPCs() ([]*VPC, error)
	ListAllSubnets() ([]*Subnet, error)
	// ListAllHistory returns up to limit address history records of every
	// account after the cursor after ("" for the first page), ascending by
	// scope, CIDR (as text) and id: the order of a record's key
	// (HistoryCursor) on every store.
	ListAllHistory(after string, limit int) ([]*HistoryRecord, error)
	// ListAllClientTokens returns up to limit client-token records of every
	// account after the cursor after ("" for the first page), in an order of
	// the store's choosing, and the cursor of the last one returned ("" when
	// none is). Pages are stable within one transaction.
	ListAllClientTokens(after string, limit int) ([]*TokenRecord, string, error)
	// InsertAllocations inserts allocations of any pools, as many
	// InsertAllocation calls would; an overlap or a duplicate id fails the
	// transaction (ErrConflict).
	InsertAllocations(as []*Allocation) error
	// PutClientTokens records many tokens, as many PutClientToken calls would.
	PutClientTokens(recs []*TokenRecord) error
	// Empty reports whether the store holds no IPAM, scope, pool, pool CIDR,
	// allocation, VPC, subnet or client token (a pagination token key does
	// not count).
	Empty() (bool, error)
	// BeginLoad and FinishLoad bracket the load of an empty store (Import,
	// after Empty said so): between them InsertAllocations and
	// PutClientTokens may defer their overlap and duplicate checks, and
	// FinishLoad runs every deferred check over what was loaded, failing
	// the transaction on the first refusal (ErrConflict, naming the rows).
	// A transaction that called BeginLoad does not commit without a
	// FinishLoad that succeeded after its last insert.
	BeginLoad() error
	FinishLoad() error
}

// HistoryCursor is the ListAllHistory cursor of record h: its scope, CIDR
// and id, which sort in that order.
func HistoryCursor(h *HistoryRecord) string {
	return h.ScopeID + " " + h.CIDR.String() + " " + h.ID
}

// SplitHistoryCursor returns the scope, CIDR text and id of a cursor
// ("", "", "" for the first page).
func SplitHistoryCursor(c string) (scope, cidr, id string) {
	scope, rest, _ := strings.Cut(c, " ")
	cidr, id, _ = strings.Cut(rest, " ")
	return scope, cidr, id
}
