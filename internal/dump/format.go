// Package dump moves a whole ipamd store: Export writes every account's
// state from any ipam.Store as a stream, Import loads such a stream into an
// empty ipam.Store (SQLite to PostgreSQL and back). It uses only the
// ipam.Store contract (ipam.BulkTx), so any store works on either side.
//
// The format is JSON lines:
//
//	{"format":"ipamd-dump","version":1,"created":"2026-12-04T13:00:00Z"}
//	{"k":"ipam","v":{...}}            one line per record: k is its kind,
//	{"k":"allocation","v":{...}}      v the domain struct's JSON
//	{"k":"end","records":N,"sha256":"<hex>"}
//
// The end line carries the count of record lines and the SHA-256 of every
// byte before it (header included): a truncated dump has no end line, an
// edited one fails the checksum, and Import loads nothing from either (one
// transaction). Kinds are written in dependency order (ipam, scope, pool,
// pool_cidr, vpc, subnet, allocation, client_token, resource_cidr, history).
// A new kind is new lines with a new k value: add a writer to
// exportKinds and a loader to loaders, and bump Version only if an old reader must refuse
// the dump; an importer refuses a kind it does not know rather than drop
// data silently.
//
// The pagination-token key does not travel: the target store makes its own,
// so NextTokens issued by the source are refused by the target (clients
// start the listing again). A dump therefore holds no secret beyond the
// state itself (client-token answers included).
package dump

import "encoding/json"

// FormatName and Version identify the stream; Import refuses a newer
// version.
const (
	FormatName = "ipamd-dump"
	Version    = 1
)

// Record kinds.
const (
	KindIPAM        = "ipam"
	KindScope       = "scope"
	KindPool        = "pool"
	KindPoolCIDR    = "pool_cidr"
	KindVPC         = "vpc"
	KindSubnet      = "subnet"
	KindAllocation  = "allocation"
	KindClientToken = "client_token"
	// Monitoring: each resource CIDR as an IPAM sees it, and every address
	// history record.
	KindResourceCIDR = "resource_cidr"
	KindHistory      = "history"
	kindEnd          = "end"
)

type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Created string `json:"created"`
}

type line struct {
	K       string          `json:"k"`
	V       json.RawMessage `json:"v,omitempty"`
	Records int64           `json:"records,omitempty"`
	SHA256  string          `json:"sha256,omitempty"`
}

// Stats counts the records of each kind written or loaded.
type Stats map[string]int64

// page is how many allocations or client tokens one store read or one bulk
// insert handles: big enough that per-call costs vanish, small enough that
// memory stays flat.
const page = 5000
