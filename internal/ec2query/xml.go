package ec2query

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Namespace is the xmlns of every EC2 success response.
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

const (
	contentType     = "text/xml;charset=UTF-8"
	requestIDHeader = "x-amzn-RequestId" // aws-sdk-go-v2 reads success request IDs from here
	xmlDecl         = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

// MarshalResponse renders
//
//	<?xml …?>\n<{action}Response xmlns="…"><requestId>id</requestId>…fields of v…</{action}Response>
//
// v is nil or a (pointer to a) struct whose exported fields carry xml tags;
// its fields become children of the root, after requestId.
func MarshalResponse(action, requestID string, v any) ([]byte, error) {
	if !validActionName(action) {
		return nil, fmt.Errorf("ec2query: invalid action name %q", action)
	}
	var b bytes.Buffer
	b.WriteString(xmlDecl)
	b.WriteString("<" + action + `Response xmlns="` + Namespace + `"><requestId>`)
	escape(&b, requestID)
	b.WriteString("</requestId>")
	if f, ok := v.(FieldsAppender); ok {
		// One buffer, grown by the appender, instead of encoding/xml's
		// buffer copied into this one.
		out := f.AppendXMLFields(b.Bytes())
		return append(out, "</"+action+"Response>"...), nil
	}
	inner, err := marshalFields(v)
	if err != nil {
		return nil, err
	}
	b.Write(inner)
	b.WriteString("</" + action + "Response>")
	return b.Bytes(), nil
}

// FieldsAppender is a response value that renders its own fields, for hot
// paths (lists of up to 100,000 items) where encoding/xml's reflection costs
// more than the rest of the request. AppendXMLFields appends exactly what
// encoding/xml would produce for the value's fields (tests compare the two)
// and returns the extended buffer.
type FieldsAppender interface {
	AppendXMLFields(b []byte) []byte
}

// AppendElement appends <name>text</name> with text escaped as encoding/xml
// escapes it.
func AppendElement(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = AppendText(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// AppendText appends s as character data escaped exactly as encoding/xml
// escapes string fields (quotes, tab, newline and CR as character
// references; invalid UTF-8 and characters XML cannot carry as U+FFFD).
func AppendText(b []byte, s string) []byte {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < utf8.RuneSelf && !needsEscape[s[i]] {
		i++
	}
	if i == len(s) { // the common case: plain ASCII
		return append(b, s...)
	}
	b = append(b, s[:i]...)
	last := i
	for i < len(s) {
		r, width := utf8.DecodeRuneInString(s[i:])
		i += width
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			continue
		}
		b = append(b, s[last:i-width]...)
		b = append(b, esc...)
		last = i
	}
	return append(b, s[last:]...)
}

var needsEscape = [256]bool{'"': true, '\'': true, '&': true, '<': true, '>': true}

// marshalFields encodes v's fields without v's own element: encoding/xml has
// no "children only" mode, so v is encoded under a placeholder element whose
// tags are then cut off. That keeps all escaping and tag rules in
// encoding/xml.
func marshalFields(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, fmt.Errorf("ec2query: response value must be a struct, got %T", v)
	}
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return nil, fmt.Errorf("ec2query: marshal %T: %w", v, err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	out := b.Bytes()
	if !bytes.HasPrefix(out, []byte("<x>")) || !bytes.HasSuffix(out, []byte("</x>")) {
		return nil, errors.New("ec2query: response struct must not have attribute fields")
	}
	return out[3 : len(out)-4], nil
}

func validActionName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// escape writes s as XML character data. Only what must be escaped is
// (quotes stay literal, as in real EC2 error bodies); invalid UTF-8 and
// characters XML 1.0 cannot carry become U+FFFD, so the output is always
// well-formed.
func escape(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;") // a literal CR would be normalised away by parsers
		case r == utf8.RuneError && size == 1, !xmlChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
}

// WriteResponse writes a 200 response with MarshalResponse's body. On a
// marshal error nothing is written, so the caller can still send an error.
func WriteResponse(w http.ResponseWriter, action, requestID string, v any) error {
	body, err := MarshalResponse(action, requestID, v)
	if err != nil {
		return err
	}
	write(w, http.StatusOK, requestID, body)
	return nil
}

// MarshalError renders the EC2 error envelope (reference §13.5):
//
//	<?xml …?>\n<Response><Errors><Error><Code>c</Code><Message>m</Message></Error></Errors><RequestID>id</RequestID></Response>
func MarshalError(code, message, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(xmlDecl)
	b.WriteString("<Response><Errors><Error><Code>")
	escape(&b, code)
	b.WriteString("</Code><Message>")
	escape(&b, message)
	b.WriteString("</Message></Error></Errors><RequestID>")
	escape(&b, requestID)
	b.WriteString("</RequestID></Response>")
	return b.Bytes()
}

// WriteError writes status and the EC2 error envelope.
func WriteError(w http.ResponseWriter, status int, code, message, requestID string) {
	write(w, status, requestID, MarshalError(code, message, requestID))
}

func write(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(requestIDHeader, requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client went away
}
