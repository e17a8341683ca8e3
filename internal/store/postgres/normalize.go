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

// rowTagsJSON is the tags column of a resource CIDR row: JSON null, not
// NULL, when there are none (as json.Marshal writes a nil slice).
func rowTagsJSON(tags []ipam.Tag) ([]byte, error) {
	if len(tags) == 0 {
		return jsonNull, nil
	}
	return tagsJSON(tags)
}

// jsonNull is JSON's null, shared: pgx only reads a parameter.
var jsonNull = []byte("null")
