package postgres

import (
	"encoding/json"

	"github.com/ipamd/ipamd/internal/ipam"
)

// tagsJSON is the tags column of an allocation: NULL when there are none.
func tagsJSON(tags []ipam.Tag) ([]byte, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	return json.Marshal(tags)
}
