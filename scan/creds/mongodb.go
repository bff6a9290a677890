package creds

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net"
	"slices"
	"strings"
	"sync/atomic"
)

func init() { register(mongoProto{}) }

// mongoProto checks MongoDB: open access (listDatabases answered without
// credentials) and SCRAM-SHA-1 / SCRAM-SHA-256 logins against the admin
// database, over OP_MSG (wire version 6+, MongoDB 3.6+) or OP_QUERY for
// older servers. The login proof is a completed SASL conversation whose
// server signature verifies.
type mongoProto struct{}

func (mongoProto) Service() string { return "mongodb" }

// MongoDB wire opcodes.
const (
	opReply = 1
	opQuery = 2004
	opMsg   = 2013
)

var mongoRequestID atomic.Int32

// mongoConn runs commands on one connection.
type mongoConn struct {
	rw    io.ReadWriter
	opMsg bool // OP_MSG (3.6+) rather than OP_QUERY
}

// writeMongo frames body as one message with a new request ID.
func writeMongo(w io.Writer, op int32, body []byte) (int32, error) {
	id := mongoRequestID.Add(1)
	h := make([]byte, 16, 16+len(body))
	binary.LittleEndian.PutUint32(h[0:], uint32(16+len(body)))
	binary.LittleEndian.PutUint32(h[4:], uint32(id))
	binary.LittleEndian.PutUint32(h[12:], uint32(op))
	_, err := w.Write(append(h, body...))
	return id, err
}

// readMongo reads one message: its opcode, responseTo and body.
func readMongo(r io.Reader) (op, responseTo int32, body []byte, err error) {
	var h [16]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return 0, 0, nil, fmt.Errorf("read mongodb header: %w", err)
	}
	n := int(binary.LittleEndian.Uint32(h[:]))
	if n < 16 || n > 48<<20 {
		return 0, 0, nil, fmt.Errorf("mongodb message of %d bytes", n)
	}
	body = make([]byte, n-16)
	if _, err = io.ReadFull(r, body); err != nil {
		return 0, 0, nil, fmt.Errorf("read mongodb message: %w", err)
	}
	return int32(binary.LittleEndian.Uint32(h[12:])), int32(binary.LittleEndian.Uint32(h[8:])), body, nil
}

// MongoQuery builds an OP_QUERY body running cmd on db.$cmd.
func MongoQuery(db string, cmd bsonD) ([]byte, error) {
	b := binary.LittleEndian.AppendUint32(nil, 0) // flags
	b = append(append(b, db+".$cmd"...), 0)
	b = binary.LittleEndian.AppendUint32(b, 0)          // numberToSkip
	b = binary.LittleEndian.AppendUint32(b, 0xffffffff) // numberToReturn -1: one batch, close the cursor
	return appendBSON(b, cmd)
}

// MongoMsg builds an OP_MSG body with cmd (which names $db) as its body section.
func MongoMsg(cmd bsonD) ([]byte, error) {
	b := binary.LittleEndian.AppendUint32(nil, 0) // flagBits
	b = append(b, 0)                              // section kind 0: body
	return appendBSON(b, cmd)
}

// parseMongoReply returns the command reply document of an OP_REPLY or OP_MSG body.
func parseMongoReply(op int32, body []byte) (map[string]any, error) {
	switch op {
	case opReply:
		if len(body) < 20 {
			return nil, fmt.Errorf("OP_REPLY truncated")
		}
		if binary.LittleEndian.Uint32(body[16:]) < 1 {
			return nil, fmt.Errorf("OP_REPLY without a document")
		}
		doc, _, err := decodeBSON(body[20:])
		return doc, err
	case opMsg:
		if len(body) < 5 {
			return nil, fmt.Errorf("OP_MSG truncated")
		}
		flags := binary.LittleEndian.Uint32(body)
		p := body[4:]
		if flags&1 != 0 { // checksumPresent: CRC-32C trailer
			if len(p) < 4 {
				return nil, fmt.Errorf("OP_MSG checksum truncated")
			}
			p = p[:len(p)-4]
		}
		for len(p) > 0 {
			kind := p[0]
			p = p[1:]
			switch kind {
			case 0:
				doc, _, err := decodeBSON(p)
				return doc, err
			case 1: // document sequence: int32 size, identifier, documents
				if len(p) < 4 {
					return nil, fmt.Errorf("OP_MSG section truncated")
				}
				n := int(binary.LittleEndian.Uint32(p))
				if n < 4 || n > len(p) {
					return nil, fmt.Errorf("OP_MSG section of %d bytes", n)
				}
				p = p[n:]
			default:
				return nil, fmt.Errorf("OP_MSG section kind %d", kind)
			}
		}
		return nil, fmt.Errorf("OP_MSG without a body section")
	}
	return nil, fmt.Errorf("unexpected mongodb opcode %d", op)
}

// run sends cmd to the admin database and returns the reply.
func (m *mongoConn) run(cmd bsonD) (map[string]any, error) {
	var body []byte
	var err error
	op := int32(opQuery)
	if m.opMsg {
		op = opMsg
		body, err = MongoMsg(append(cmd, bsonE{"$db", "admin"}))
	} else {
		body, err = MongoQuery("admin", cmd)
	}
	if err != nil {
		return nil, err
	}
	id, err := writeMongo(m.rw, op, body)
	if err != nil {
		return nil, err
	}
	rop, to, rbody, err := readMongo(m.rw)
	if err != nil {
		return nil, err
	}
	if to != id {
		return nil, fmt.Errorf("mongodb reply to request %d, want %d", to, id)
	}
	return parseMongoReply(rop, rbody)
}

func mongoOK(doc map[string]any) bool {
	ok, _ := bsonNumber(doc, "ok")
	return ok == 1
}

func mongoError(doc map[string]any) string {
	msg, _ := doc["errmsg"].(string)
	code, _ := bsonNumber(doc, "code")
	name, _ := doc["codeName"].(string)
	return fmt.Sprintf("%s (code %.0f %s)", msg, code, name)
}

// MongoPasswordDigest is what MongoDB's SCRAM-SHA-1 hashes in place of the
// password: hex(MD5(user + ":mongo:" + password)).
func MongoPasswordDigest(user, pass string) string {
	d := md5.Sum([]byte(user + ":mongo:" + pass))
	return hex.EncodeToString(d[:])
}

func (mongoProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	m := &mongoConn{rw: c}
	hello := bsonD{{"isMaster", int32(1)}, {"helloOk", true},
		{"client", bsonD{{"application", bsonD{{"name", "bianque-scanner"}}}, {"driver", bsonD{{"name", "bianque"}, {"version", "1"}}},
			{"os", bsonD{{"type", "linux"}}}}}}
	if cr.User != "" {
		hello = append(hello, bsonE{"saslSupportedMechs", "admin." + cr.User})
	}
	hr, err := m.run(hello) // the handshake goes over OP_QUERY on every version
	if err != nil {
		return Result{}, fmt.Errorf("mongodb handshake: %w", err)
	}
	if !mongoOK(hr) {
		return Result{}, fmt.Errorf("mongodb handshake refused: %s", mongoError(hr))
	}
	maxWire, _ := bsonNumber(hr, "maxWireVersion")
	m.opMsg = maxWire >= 6
	version := ""
	// Open access first: a server without authentication answers
	// listDatabases for anyone (the classic exposed MongoDB).
	lr, err := m.run(bsonD{{"listDatabases", int32(1)}, {"nameOnly", true}})
	if err != nil {
		return Result{}, fmt.Errorf("mongodb listDatabases: %w", err)
	}
	if mongoOK(lr) {
		var names []string
		if dbs, ok := lr["databases"].([]any); ok {
			for _, d := range dbs {
				if dm, ok := d.(map[string]any); ok {
					if n, ok := dm["name"].(string); ok {
						names = append(names, n)
					}
				}
			}
		}
		return Result{Outcome: NoAuth, Proof: fmt.Sprintf("listDatabases answered without credentials (%d databases: %s)", len(names), strings.Join(first(names, 8), ", "))}, nil
	}
	if cr.User == "" {
		return Result{Outcome: Failed}, nil // authentication required; no account to try
	}
	mech := "SCRAM-SHA-1"
	var mechs []string
	if l, ok := hr["saslSupportedMechs"].([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				mechs = append(mechs, s)
			}
		}
	}
	if slices.Contains(mechs, "SCRAM-SHA-256") {
		mech = "SCRAM-SHA-256"
	} else if len(mechs) > 0 && !slices.Contains(mechs, "SCRAM-SHA-1") {
		return Result{Outcome: Skip}, nil // x.509, LDAP or Kerberos only: no password to guess here
	}
	var h func() hash.Hash
	pass := cr.Pass
	if mech == "SCRAM-SHA-256" {
		h = sha256.New
	} else {
		h = sha1.New
		pass = MongoPasswordDigest(cr.User, cr.Pass)
	}
	sc := newSCRAMFor(h, cr.User, pass)
	sr, err := m.run(bsonD{{"saslStart", int32(1)}, {"mechanism", mech}, {"payload", []byte(sc.clientFirst())},
		{"autoAuthorize", int32(1)}, {"options", bsonD{{"skipEmptyExchange", true}}}})
	if err != nil {
		return Result{}, fmt.Errorf("mongodb saslStart: %w", err)
	}
	if !mongoOK(sr) {
		return Result{Outcome: Failed}, nil // AuthenticationFailed (18): unknown user
	}
	conv := sr["conversationId"]
	payload, ok := sr["payload"].(bsonBinary)
	if !ok {
		return Result{}, fmt.Errorf("mongodb saslStart reply without payload")
	}
	final, err := sc.clientFinal(string(payload.Data))
	if err != nil {
		return Result{}, err
	}
	cont := func(p []byte) (map[string]any, error) {
		return m.run(bsonD{{"saslContinue", int32(1)}, {"conversationId", conv}, {"payload", p}})
	}
	cr2, err := cont([]byte(final))
	if err != nil {
		return Result{}, fmt.Errorf("mongodb saslContinue: %w", err)
	}
	if !mongoOK(cr2) {
		return Result{Outcome: Failed}, nil // AuthenticationFailed: wrong password
	}
	p2, _ := cr2["payload"].(bsonBinary)
	if !sc.verify(string(p2.Data)) {
		return Result{}, fmt.Errorf("mongodb SCRAM server signature does not verify")
	}
	for range 2 {
		if done, _ := cr2["done"].(bool); done {
			if v, ok := hr["version"].(string); ok {
				version = " " + v
			}
			return Result{Outcome: Success, Proof: fmt.Sprintf("%s conversation completed, server signature verified (MongoDB wire %.0f%s)", mech, maxWire, version)}, nil
		}
		if cr2, err = cont(nil); err != nil {
			return Result{}, err
		}
		if !mongoOK(cr2) {
			return Result{Outcome: Failed}, nil
		}
	}
	return Result{}, fmt.Errorf("mongodb SASL conversation did not finish")
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}
