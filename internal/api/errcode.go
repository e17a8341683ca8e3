package api

// ErrorCode returns the EC2 error code and message the API answers err
// with, so another adapter (the console) shows a refusal word for word as
// an API client sees it.
func ErrorCode(err error) (code, message string) {
	w, _ := toWire(err)
	return w.Code, w.Message
}
