// `interop secure CELLS.json`: franz-go over secured listeners. CELLS.json is an array of cells
// {mode, bootstrap, topic, count, protocol (SSL|SASL_SSL|SASL_PLAINTEXT), mechanism (PLAIN|SCRAM-SHA-256|
// SCRAM-SHA-512), username, password, ca, cert, key (PEM file paths; cert/key for mTLS)}; for each, a producer
// writes COUNT records to TOPIC (one partition) and a consumer reads them back from the start. Prints
// `ok MODE ...` or `not ok MODE: DETAIL` per cell (test/compat/interop/security-matrix.test.ts).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

type secureCell struct {
	Mode      string `json:"mode"`
	Bootstrap string `json:"bootstrap"`
	Topic     string `json:"topic"`
	Count     int    `json:"count"`
	Protocol  string `json:"protocol"`
	Mechanism string `json:"mechanism"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	CA        string `json:"ca"`
	Cert      string `json:"cert"`
	Key       string `json:"key"`
}

func secure(cellsFile string) {
	raw, err := os.ReadFile(cellsFile)
	must(err)
	var cells []secureCell
	must(json.Unmarshal(raw, &cells))
	for _, c := range cells {
		detail, err := secureCell1(c)
		check(c.Mode+" "+detail, err == nil, err)
	}
}

func secureOpts(c secureCell) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(c.Bootstrap), kgo.RequestTimeoutOverhead(10 * time.Second)}
	if c.Protocol == "SSL" || c.Protocol == "SASL_SSL" {
		pem, err := os.ReadFile(c.CA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("no certificate in " + c.CA)
		}
		cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		if c.Cert != "" {
			pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
			if err != nil {
				return nil, err
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	switch c.Mechanism {
	case "":
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: c.Username, Pass: c.Password}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: c.Username, Pass: c.Password}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: c.Username, Pass: c.Password}.AsSha512Mechanism()))
	default:
		return nil, errors.New("unknown mechanism " + c.Mechanism)
	}
	return opts, nil
}

func secureCell1(c secureCell) (string, error) {
	opts, err := secureOpts(c)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	prod, err := kgo.NewClient(append(opts, kgo.DefaultProduceTopic(c.Topic))...)
	if err != nil {
		return "", err
	}
	recs := make([]*kgo.Record, c.Count)
	for i := range recs {
		recs[i] = &kgo.Record{Key: []byte(fmt.Sprintf("k-%d", i)), Value: []byte(fmt.Sprintf("%s-value-%d", c.Mode, i))}
	}
	err = prod.ProduceSync(ctx, recs...).FirstErr()
	prod.Close()
	if err != nil {
		return "", fmt.Errorf("produce: %w", err)
	}
	cons, err := kgo.NewClient(append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.Topic: {0: kgo.NewOffset().AtStart()}}))...)
	if err != nil {
		return "", err
	}
	defer cons.Close()
	var values []string
	for len(values) < c.Count {
		fs := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			return "", fmt.Errorf("consumed %d of %d records: %v", len(values), c.Count, ctx.Err())
		}
		for _, e := range fs.Errors() {
			return "", fmt.Errorf("fetch: %v", e.Err)
		}
		fs.EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	for i, v := range values {
		if v != fmt.Sprintf("%s-value-%d", c.Mode, i) {
			return "", fmt.Errorf("record %d is %q", i, v)
		}
	}
	return fmt.Sprintf("produced %d, consumed %d", c.Count, len(values)), nil
}
