package postgres

import (
	"encoding/json"

	"github.com/ipamd/ipamd/internal/ipam"
)

// IPAMs and scopes: JSON documents keyed by id, looked up by owner.

func (t *tx) InsertIPAM(i *ipam.IPAM) error {
	doc, err := json.Marshal(i)
	if err != nil {
		return err
	}
	return t.insert("ipam", i.ID, "INSERT INTO ipams (id, owner, doc) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		i.ID, i.OwnerID, doc)
}

func (t *tx) UpdateIPAM(i *ipam.IPAM) error {
	doc, err := json.Marshal(i)
	if err != nil {
		return err
	}
	return t.execOne("ipam", i.ID, "UPDATE ipams SET owner = $2, doc = $3 WHERE id = $1", i.ID, i.OwnerID, doc)
}

func (t *tx) DeleteIPAM(id string) error {
	return t.execOne("ipam", id, "DELETE FROM ipams WHERE id = $1", id)
}

func (t *tx) GetIPAM(owner, id string) (*ipam.IPAM, error) {
	i := new(ipam.IPAM)
	if err := t.getDoc("ipam", id, i, "SELECT doc FROM ipams WHERE id = $1 AND owner = $2", id, owner); err != nil {
		return nil, err
	}
	return i, nil
}

func (t *tx) ListIPAMs(owner string) ([]*ipam.IPAM, error) {
	return listDocs[ipam.IPAM](t, listIPAMsSQL, owner)
}

const listIPAMsSQL = "SELECT doc FROM ipams WHERE owner = $1 ORDER BY id"

func (t *tx) InsertScope(s *ipam.Scope) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return t.insert("scope", s.ID, "INSERT INTO scopes (id, owner, ipam_id, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
		s.ID, s.OwnerID, s.IpamID, doc)
}

func (t *tx) UpdateScope(s *ipam.Scope) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return t.execOne("scope", s.ID, "UPDATE scopes SET owner = $2, ipam_id = $3, doc = $4 WHERE id = $1",
		s.ID, s.OwnerID, s.IpamID, doc)
}

func (t *tx) DeleteScope(id string) error {
	return t.execOne("scope", id, "DELETE FROM scopes WHERE id = $1", id)
}

func (t *tx) GetScope(owner, id string) (*ipam.Scope, error) {
	s := new(ipam.Scope)
	if err := t.getDoc("scope", id, s, "SELECT doc FROM scopes WHERE id = $1 AND owner = $2", id, owner); err != nil {
		return nil, err
	}
	return s, nil
}

func (t *tx) ListScopes(owner string) ([]*ipam.Scope, error) {
	return listDocs[ipam.Scope](t, "SELECT doc FROM scopes WHERE owner = $1 ORDER BY id", owner)
}
