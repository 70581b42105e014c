package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// SyntaxError is input that is not the JSON it should be, at a byte offset
// of the whole input. After one, a stream cannot find the next feature.
type SyntaxError struct {
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid GeoJSON at byte %d: %s", e.Offset, e.Msg)
}

// DefaultMaxFeatureBytes bounds one feature's JSON text: a stream holds one
// feature at a time, and this is what keeps that bounded.
const DefaultMaxFeatureBytes = 256 << 20

// featureStream cuts GeoJSON into the raw text of one feature at a time,
// never holding more than one feature (and a read buffer) in memory:
//
//   - a FeatureCollection, whose "features" array is streamed element by
//     element and whose other members ("crs", "name", ...) are kept;
//   - a GeoJSON text sequence (RFC 8142, each feature after an RS byte) or
//     newline-delimited GeoJSON, told apart by what follows the first
//     object: a Feature followed by more values is a sequence;
//   - a single Feature.
//
// It checks the JSON structure it walks (brackets, strings, commas); each
// feature's text is checked in full by whoever decodes it, and the other
// members here with json.Valid.
type featureStream struct {
	r        io.Reader
	buf      []byte
	pos, end int   // unread input is buf[pos:end]
	base     int64 // input offset of buf[0]
	eof      bool
	readErr  error
	max      int

	state   streamState
	members map[string]json.RawMessage // top-level members other than features
	order   []string                   // their names, in input order
	late    bool                       // a member came after the features array
	count   int                        // features read from the array
}

type streamState int

const (
	stateStart    streamState = iota
	stateFeatures             // inside the features array
	stateAfter                // after the features array, in the top-level object
	stateSeq                  // a sequence of features
	stateDone
)

func newFeatureStream(r io.Reader, maxFeature int) *featureStream {
	if maxFeature <= 0 {
		maxFeature = DefaultMaxFeatureBytes
	}
	return &featureStream{r: r, buf: make([]byte, 0, 256<<10), max: maxFeature, members: map[string]json.RawMessage{}}
}

// Member returns a top-level member of the FeatureCollection read so far,
// and whether it came after the features.
func (s *featureStream) Member(name string) (json.RawMessage, bool) {
	return s.members[name], s.late
}

// Next returns the raw text of the next feature, valid until the following
// call, or io.EOF after the last.
func (s *featureStream) Next() ([]byte, error) {
	for {
		switch s.state {
		case stateStart:
			c, err := s.skipSpace(true)
			if err == io.EOF {
				return nil, s.errorf(0, "the input is empty")
			}
			if err != nil {
				return nil, err
			}
			if c != '{' {
				return nil, s.errorf(0, "expected a GeoJSON object, found %q", c)
			}
			raw, err := s.topObject()
			if err != nil || raw != nil {
				return raw, err
			}
		case stateFeatures:
			raw, err := s.element()
			if err != nil || raw != nil {
				return raw, err
			}
			s.state = stateAfter
		case stateAfter:
			if err := s.members_(); err != nil {
				return nil, err
			}
			s.state = stateDone
		case stateSeq:
			c, err := s.skipSpace(true)
			if err == io.EOF {
				s.state = stateDone
				continue
			}
			if err != nil {
				return nil, err
			}
			if c != '{' {
				return nil, s.errorf(0, "expected the next feature of the sequence, found %q", c)
			}
			start, end, err := s.value()
			if err != nil {
				return nil, err
			}
			return s.buf[start:end], nil
		case stateDone:
			c, err := s.skipSpace(true)
			if err == io.EOF {
				return nil, io.EOF
			}
			if err != nil {
				return nil, err
			}
			return nil, s.errorf(0, "unexpected %q after the end of the GeoJSON", c)
		}
	}
}

// topObject reads the first object's members up to its features array (a
// FeatureCollection: nil, with the state at the first feature) or to its
// end (one Feature, returned whole; a sequence may follow).
func (s *featureStream) topObject() ([]byte, error) {
	s.pos++ // '{'
	first := true
	for {
		c, err := s.skipSpace(false)
		if err != nil {
			return nil, s.eofIsError(err, "the top-level object is not closed")
		}
		if c == '}' {
			s.pos++
			return s.endOfTop()
		}
		if !first {
			if c != ',' {
				return nil, s.errorf(0, "expected ',' or '}' between members, found %q", c)
			}
			s.pos++
		}
		first = false
		key, err := s.key()
		if err != nil {
			return nil, err
		}
		if key == "features" {
			var typ string
			if t, ok := s.members["type"]; ok && (json.Unmarshal(t, &typ) != nil || typ != "FeatureCollection") {
				return nil, s.errorf(0, "an object with features must be a FeatureCollection, not type %s", t)
			}
			c, err := s.skipSpace(false)
			if err != nil {
				return nil, s.eofIsError(err, "the features member has no value")
			}
			if c != '[' {
				return nil, s.errorf(0, "features must be an array, found %q", c)
			}
			s.pos++
			s.state = stateFeatures
			s.members["features"] = nil
			return nil, nil
		}
		if err := s.member(key); err != nil {
			return nil, err
		}
	}
}

// endOfTop decides what the first object was once it is closed without a
// features array.
func (s *featureStream) endOfTop() ([]byte, error) {
	var typ string
	if t, ok := s.members["type"]; ok {
		_ = json.Unmarshal(t, &typ)
	}
	if typ == "FeatureCollection" {
		return nil, s.errorf(0, "the FeatureCollection has no features member")
	}
	if typ != "Feature" {
		return nil, s.errorf(0, "expected a FeatureCollection or a Feature, found type %q", typ)
	}
	// One Feature, perhaps the first of a sequence: rebuild its text from
	// the members (order kept, as the decoder may care about duplicates).
	raw := []byte{'{'}
	for i, k := range s.order {
		if i > 0 {
			raw = append(raw, ',')
		}
		kb, _ := json.Marshal(k)
		raw = append(raw, kb...)
		raw = append(raw, ':')
		raw = append(raw, s.members[k]...)
	}
	raw = append(raw, '}')
	s.members = map[string]json.RawMessage{}
	s.order = nil
	s.state = stateSeq
	return raw, nil
}

// element reads the next feature of the features array, or nil at its end.
func (s *featureStream) element() ([]byte, error) {
	c, err := s.skipSpace(false)
	if err != nil {
		return nil, s.eofIsError(err, "the features array is not closed")
	}
	if c == ']' {
		s.pos++
		return nil, nil
	}
	if s.count > 0 {
		if c != ',' {
			return nil, s.errorf(0, "expected ',' or ']' after a feature, found %q", c)
		}
		s.pos++
		if c, err = s.skipSpace(false); err != nil {
			return nil, s.eofIsError(err, "the features array is not closed")
		}
	}
	if c != '{' {
		return nil, s.errorf(0, "expected a Feature object in the features array, found %q", c)
	}
	start, end, err := s.value()
	if err != nil {
		return nil, err
	}
	s.count++
	return s.buf[start:end], nil
}

// members_ reads the top-level members after the features array.
func (s *featureStream) members_() error {
	for {
		c, err := s.skipSpace(false)
		if err != nil {
			return s.eofIsError(err, "the FeatureCollection is not closed")
		}
		if c == '}' {
			s.pos++
			return nil
		}
		if c != ',' {
			return s.errorf(0, "expected ',' or '}' after the features array, found %q", c)
		}
		s.pos++
		key, err := s.key()
		if err != nil {
			return err
		}
		if key == "features" {
			return s.errorf(0, "a second features member")
		}
		s.late = true
		if err := s.member(key); err != nil {
			return err
		}
	}
}

// key reads a member name and its colon.
func (s *featureStream) key() (string, error) {
	c, err := s.skipSpace(false)
	if err != nil {
		return "", s.eofIsError(err, "a member name is missing")
	}
	if c != '"' {
		return "", s.errorf(0, "expected a member name, found %q", c)
	}
	start, end, err := s.value()
	if err != nil {
		return "", err
	}
	var key string
	if err := json.Unmarshal(s.buf[start:end], &key); err != nil {
		return "", s.errorf(start-s.pos, "a member name is not a valid string")
	}
	c, err = s.skipSpace(false)
	if err != nil {
		return "", s.eofIsError(err, "a member has no value")
	}
	if c != ':' {
		return "", s.errorf(0, "expected ':' after member name %q, found %q", key, c)
	}
	s.pos++
	return key, nil
}

// member reads and keeps one top-level member's value.
func (s *featureStream) member(key string) error {
	if _, ok := s.members[key]; ok {
		return s.errorf(0, "member %q appears twice", key)
	}
	if _, err := s.skipSpace(false); err != nil {
		return s.eofIsError(err, "member %q has no value", key)
	}
	start, end, err := s.value()
	if err != nil {
		return err
	}
	if !json.Valid(s.buf[start:end]) {
		return s.errorf(start-s.pos, "the value of member %q is not valid JSON", key)
	}
	s.members[key] = bytes.Clone(s.buf[start:end])
	s.order = append(s.order, key)
	return nil
}

// skipSpace skips whitespace (and, between features, the RS byte of a
// GeoJSON text sequence) and returns the next byte without consuming it.
func (s *featureStream) skipSpace(rs bool) (byte, error) {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			case 0x1e:
				if !rs {
					return c, nil
				}
				s.pos++
			default:
				return c, nil
			}
		}
		if err := s.fill(s.pos); err != nil {
			return 0, err
		}
	}
}

// value finds the end of the JSON value starting at buf[pos] and consumes
// it, returning its bounds in buf (valid until the next read).
func (s *featureStream) value() (int, int, error) {
	start := s.pos
	i := start
	depth := 0
	inString := false
	scalar := s.buf[i] != '{' && s.buf[i] != '['
	if s.buf[i] == '"' {
		inString = true
		i++
	}
	for {
		for i < s.end {
			if inString {
				// Most of a string is plain bytes: pass them in a tight loop.
				for i < s.end && plainByte[s.buf[i]] {
					i++
				}
				if i >= s.end {
					break
				}
			} else if !scalar && !structural[s.buf[i]] {
				i++
				continue
			}
			c := s.buf[i]
			switch {
			case inString:
				if c == '\\' {
					if i+1 >= s.end {
						goto more
					}
					i += 2
					continue
				}
				if c == '"' {
					inString = false
					if scalar {
						s.pos = i + 1
						return start, i + 1, nil
					}
				} else if c < 0x20 {
					return 0, 0, s.errorf(i-s.pos, "a control character inside a string")
				}
			case scalar:
				switch c {
				case ',', '}', ']', ' ', '\t', '\n', '\r', 0x1e:
					if i == start {
						return 0, 0, s.errorf(0, "expected a value, found %q", c)
					}
					s.pos = i
					return start, i, nil
				}
			case c == '"':
				inString = true
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				depth--
				if depth == 0 {
					if i+1-start > s.max {
						return 0, 0, s.errorf(0, "a value longer than %d bytes", s.max)
					}
					s.pos = i + 1
					return start, i + 1, nil
				}
			}
			i++
		}
	more:
		if i-start > s.max {
			return 0, 0, s.errorf(0, "a value longer than %d bytes", s.max)
		}
		off := i - start
		err := s.fill(start)
		start = s.pos
		i = start + off
		if err == io.EOF {
			if scalar && !inString && i > start {
				s.pos = i
				return start, i, nil
			}
			return 0, 0, s.errorf(0, "the input ends inside a value")
		}
		if err != nil {
			return 0, 0, err
		}
	}
}

// fill reads more input, keeping buf[keep:] (moved to the front): s.pos
// becomes keep's new index. It returns io.EOF when there is no more.
func (s *featureStream) fill(keep int) error {
	if s.readErr != nil {
		return s.readErr
	}
	if keep > 0 {
		n := copy(s.buf[:cap(s.buf)], s.buf[keep:s.end])
		s.base += int64(keep)
		s.pos -= keep
		s.end = n
	}
	s.buf = s.buf[:cap(s.buf)]
	if s.end == len(s.buf) {
		grown := make([]byte, 2*len(s.buf))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	s.buf = s.buf[:s.end]
	if err != nil && n == 0 {
		if !errors.Is(err, io.EOF) {
			err = fmt.Errorf("read at byte %d: %w", s.base+int64(s.end), err)
		}
		s.readErr = err
		return err
	}
	return nil
}

func (s *featureStream) errorf(delta int, format string, args ...any) error {
	return &SyntaxError{Offset: s.base + int64(s.pos+delta), Msg: fmt.Sprintf(format, args...)}
}

func (s *featureStream) eofIsError(err error, format string, args ...any) error {
	if err == io.EOF {
		return s.errorf(0, "the input ends early: "+format, args...)
	}
	return err
}
