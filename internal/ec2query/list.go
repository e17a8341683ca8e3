package ec2query

import "encoding/xml"

// List is an EC2 list: <name><item>…</item>…</name>. An empty or nil List
// still emits <name></name>, because boto3 turns an absent element into a
// missing key rather than []. For an optional list use *List with omitempty.
type List[T any] []T

var itemStart = xml.StartElement{Name: xml.Name{Local: "item"}}

// MarshalXML implements xml.Marshaler.
func (l List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for i := range l {
		if err := e.EncodeElement(l[i], itemStart); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML implements xml.Unmarshaler (handy for tests and clients);
// children other than <item> are skipped.
func (l *List[T]) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*l = List[T]{}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "item" {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			var v T
			if err := d.DecodeElement(&v, &t); err != nil {
				return err
			}
			*l = append(*l, v)
		case xml.EndElement:
			return nil
		}
	}
}
