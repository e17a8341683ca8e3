package ipam

import (
	"errors"
	"net/netip"
	"slices"
)

// On PostgreSQL every statement is a round trip, and a pool's writers on
// every node queue behind the one holding its lock. So what a write can
// learn before it takes the lock, it learns first, and what it must learn
// under the lock comes with the lock:
//
//   - a batch's ClientToken lookups are made before the pool is locked, in
//     one round trip (Tx.ClientTokens). A token another node records in
//     between makes this transaction's insert of it fail on the unique key;
//     Service.update then runs the transaction again, and it finds the
//     record.
//   - the change-log rows a node's cached space lacks come in the same round
//     trip as the lock (Tx.LockPoolChanges).

type tokenKey struct{ owner, action, token string }

// clientToken is tx.ClientToken, answered from what this transaction
// already looked up or recorded when it can.
func (o *op) clientToken(tx Tx, owner, action, token string) (*TokenRecord, error) {
	if rec, ok := o.tokens[tokenKey{owner, action, token}]; ok {
		if rec == nil {
			return nil, ErrNotFound
		}
		return rec, nil
	}
	return tx.ClientToken(owner, action, token)
}

// putToken remembers a token this transaction recorded, so a later request
// of the same batch with the same token gets the first one's answer.
func (o *op) putToken(rec *TokenRecord) {
	if o.tokens != nil {
		o.tokens[tokenKey{rec.OwnerID, rec.Action, rec.Token}] = rec
	}
}

// prefetchTokens looks up the ClientTokens of a batch's allocation
// requests, one call per account.
func (o *op) prefetchTokens(tx Tx, action string, batch []*allocJob) error {
	byOwner := map[string][]string{}
	for _, j := range batch {
		if t := j.in.ClientToken; t != "" && len(t) <= maxClientTokenLen {
			byOwner[j.c.AccountID] = append(byOwner[j.c.AccountID], t)
		}
	}
	if len(byOwner) == 0 {
		return nil
	}
	o.tokens = map[tokenKey]*TokenRecord{}
	for owner, tokens := range byOwner {
		recs, err := tx.ClientTokens(owner, action, tokens)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			o.tokens[tokenKey{owner, action, t}] = nil
		}
		for _, r := range recs {
			o.tokens[tokenKey{owner, action, r.Token}] = r
		}
	}
	return nil
}

// fetchedLog is the change log of a pool read with its lock: the versions
// after since.
type fetchedLog struct {
	poolID string
	since  int64
	log    []PoolVersion
}

// lockPool is Service.lockPool that also brings, in the same round trip,
// the change-log rows this node's cached space of the pool lacks.
func (o *op) lockPool(tx Tx, c Caller, id string) (*Pool, error) {
	since := o.s.spaces.hint(id)
	p, log, err := lockPoolSince(tx, c, id, since)
	if err != nil {
		return nil, err
	}
	if since >= 0 && p.Version > since {
		o.logs = append(o.logs, fetchedLog{id, since, log})
	}
	return p, nil
}

// subnetContext is the read r, answered from what lockJobs read with the
// pools' locks when it can. Either way the owner's IPAMs it brings are
// known to monitoring (knowRead).
func (o *op) subnetContext(tx Tx, r SubnetRead) (*VPC, []netip.Prefix, error) {
	got, ok := o.subnetCtx[r]
	if !ok {
		_, read, err := tx.LockPoolsChanges(nil, []SubnetRead{r})
		if err != nil {
			return nil, nil, err
		}
		got = read[0]
		o.knowRead(r, got)
	}
	return got.VPC, got.Blocks, got.Err
}

// knowRead hands the owner's IPAMs a read brought to monitoring, which
// then need not list them again.
func (o *op) knowRead(r SubnetRead, got SubnetReadResult) {
	if got.Err == nil {
		o.mon.knowIPAMs(r.Owner, got.IPAMs)
	}
}

// lockJobs is lockPool for the pools of heads (one job per pool, in the
// lock order), followed by the subnet contexts jobs will ask for (kept
// for subnetContext), in one round trip on PostgreSQL; then it takes each
// locked pool's space. A pool missing or not found is skipped: its jobs
// look it up again and get lockPool's refusal.
func (o *op) lockJobs(tx Tx, heads, jobs []*allocJob) error {
	var reqs []PoolLock
	for _, j := range heads {
		if id := j.in.PoolID; id != "" {
			reqs = append(reqs, PoolLock{Owner: j.c.AccountID, ID: id, Since: o.s.spaces.hint(id)})
		}
	}
	if len(reqs) == 0 {
		return nil
	}
	var reads []SubnetRead
	for _, j := range jobs {
		if j.res != nil && j.res.read != nil && !slices.Contains(reads, *j.res.read) {
			reads = append(reads, *j.res.read)
		}
	}
	got, read, err := tx.LockPoolsChanges(reqs, reads)
	if err != nil {
		return err
	}
	for i, r := range reads {
		if o.subnetCtx == nil {
			o.subnetCtx = map[SubnetRead]SubnetReadResult{}
		}
		o.subnetCtx[r] = read[i]
		o.knowRead(r, read[i])
	}
	for k, g := range got {
		switch r := reqs[k]; {
		case errors.Is(g.Err, ErrNotFound):
			continue
		case g.Err != nil:
			return g.Err
		case r.Since >= 0 && g.Pool.Version > r.Since:
			o.logs = append(o.logs, fetchedLog{r.ID, r.Since, g.Log})
		}
		if _, err := o.space(tx, g.Pool); err != nil {
			return err
		}
	}
	return nil
}

// fetched returns the log lockPool read for the pool, if it starts at or
// before version from.
func (o *op) fetched(poolID string, from int64) ([]PoolVersion, bool) {
	for _, f := range o.logs {
		if f.poolID == poolID && f.since <= from {
			return f.log, true
		}
	}
	return nil, false
}
