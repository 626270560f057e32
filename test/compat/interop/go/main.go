// franz-go (kgo, plus kadm for admin) with its defaults against a broker. Each subcommand runs one scenario
// and prints one line per check, `ok NAME` or `not ok NAME: DETAIL`, plus `info KEY VALUE` (KEY without spaces) lines
// (test/compat/interop/franz-go.test.ts turns every line into an assertion).
//
//	admin BOOTSTRAP                          kadm: metadata, create/list/describe/alter/delete topics, configs
//	create-topic BOOTSTRAP TOPIC PARTITIONS
//	produce BOOTSTRAP TOPIC COUNT [CODEC]    default client (idempotent, acks=all, snappy) unless CODEC given
//	consume-from BOOTSTRAP TOPIC PARTITION OFFSET EXPECTED
//	group BOOTSTRAP TOPIC GROUP              two members (default cooperative-sticky balancer) read everything,
//	                                         commit; kadm sees the commits; a restarted member resumes from them
//	txn BOOTSTRAP TOPIC                      transactional client: commit, abort; read_committed vs
//	                                         read_uncommitted consumers; kadm DescribeTransactions
//	secure CELLS.json                        SASL_SSL (PLAIN, SCRAM) and SSL (mTLS) cells (secure.go)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var failures int

func check(name string, ok bool, detail any) {
	if ok {
		fmt.Printf("ok %s\n", name)
	} else {
		failures++
		fmt.Printf("not ok %s: %s\n", name, strings.ReplaceAll(fmt.Sprint(detail), "\n", " "))
	}
}

func info(key string, value any) {
	fmt.Printf("info %s %s\n", key, strings.ReplaceAll(fmt.Sprint(value), "\n", " "))
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: interop admin|produce|consume-from|group BOOTSTRAP ...")
		os.Exit(2)
	}
	boot := os.Args[2]
	args := os.Args[3:]
	atoi := func(s string) int { n, err := strconv.Atoi(s); must(err); return n }
	switch os.Args[1] {
	case "admin":
		admin(boot)
	case "create-topic":
		adm, cl := newAdmin(boot)
		ctx, cancel := ctx30()
		_, err := adm.CreateTopic(ctx, int32(atoi(args[1])), 1, nil, args[0])
		check("created "+args[0], err == nil, err)
		cancel()
		cl.Close()
	case "produce":
		codec := ""
		if len(args) > 2 {
			codec = args[2]
		}
		produce(boot, args[0], atoi(args[1]), codec)
	case "consume-from":
		consumeFrom(boot, args[0], int32(atoi(args[1])), int64(atoi(args[2])), atoi(args[3]))
	case "group":
		group(boot, args[0], args[1])
	case "txn":
		txn(boot, args[0])
	case "secure":
		secure(boot)
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
		os.Exit(2)
	}
	fmt.Printf("done %d failed\n", failures)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fatal:", err)
		os.Exit(1)
	}
}

func ctx30() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

func newAdmin(boot string) (*kadm.Client, *kgo.Client) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(boot))
	must(err)
	return kadm.NewClient(cl), cl
}

// ------------------------------------------------------------------------------------------ admin

func admin(boot string) {
	adm, cl := newAdmin(boot)
	defer cl.Close()
	ctx, cancel := ctx30()
	defer cancel()

	md, err := adm.BrokerMetadata(ctx)
	must(err)
	check("metadata: one broker, which is the controller", len(md.Brokers) == 1 && md.Controller == md.Brokers[0].NodeID, md.Brokers)
	check("metadata: cluster id", md.Cluster != "", md.Cluster)

	topic := "go-admin"
	ret := "3600000"
	cr, err := adm.CreateTopic(ctx, 3, 1, map[string]*string{"retention.ms": &ret}, topic)
	check("CreateTopic with 3 partitions and a config", err == nil && cr.Err == nil, fmt.Sprint(err, cr.Err))
	_, err = adm.CreateTopic(ctx, 1, 1, nil, topic)
	check("creating it again: TOPIC_ALREADY_EXISTS", errors.Is(err, kerr.TopicAlreadyExists), err)
	cr, err = adm.CreateTopic(ctx, -1, -1, nil, "go-admin-defaults")
	check("CreateTopic with broker defaults (-1, -1)", err == nil && cr.NumPartitions >= 1, fmt.Sprint(err, cr))

	topics, err := adm.ListTopics(ctx)
	must(err)
	check("ListTopics includes both", topics.Has(topic) && topics.Has("go-admin-defaults"), topics.Names())
	d := topics[topic]
	check("3 partitions led by the broker", len(d.Partitions) == 3 && allLed(d, md.Brokers[0].NodeID), d.Partitions)
	var zero kadm.TopicID
	check("topic id is set", d.ID != zero, d.ID)

	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	must(err)
	rc, err := rcs.On(topic, nil)
	check("DescribeTopicConfigs answers", err == nil && rc.Err == nil, fmt.Sprint(err, rc.Err))
	check("retention.ms override reported", configValue(rc, "retention.ms") == "3600000", configValue(rc, "retention.ms"))
	check("segment.bytes default reported", configValue(rc, "segment.bytes") != "", len(rc.Configs))

	v := "7200000"
	ar, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: &v}}, topic)
	check("AlterTopicConfigs (incremental SET)", err == nil && ar[0].Err == nil, fmt.Sprint(err, ar))
	rcs, _ = adm.DescribeTopicConfigs(ctx, topic)
	rc, _ = rcs.On(topic, nil)
	check("the new retention.ms is reported", configValue(rc, "retention.ms") == "7200000", configValue(rc, "retention.ms"))

	pr, err := adm.UpdatePartitions(ctx, 5, topic)
	check("UpdatePartitions to 5", err == nil && pr.Error() == nil, fmt.Sprint(err, pr))
	topics, _ = adm.ListTopics(ctx, topic)
	check("now 5 partitions", len(topics[topic].Partitions) == 5, len(topics[topic].Partitions))

	ends, err := adm.ListEndOffsets(ctx, topic)
	must(err)
	n, allZero := 0, true
	ends.Each(func(o kadm.ListedOffset) {
		n++
		if o.Err != nil || o.Offset != 0 {
			allZero = false
		}
	})
	check("ListEndOffsets: 0 on each of 5 partitions", n == 5 && allZero, ends)

	dr, err := adm.DeleteTopics(ctx, topic, "go-admin-defaults")
	check("DeleteTopics", err == nil && dr.Error() == nil, fmt.Sprint(err, dr))
	// kadm caches "all topics" metadata for 5 s (MetadataMinAge); ask the broker directly.
	var names []string
	gone := false
	for i := 0; i < 50 && !gone; i++ {
		names = brokerTopics(ctx, cl)
		gone = !contains(names, topic) && !contains(names, "go-admin-defaults")
		if !gone {
			time.Sleep(100 * time.Millisecond)
		}
	}
	check("deleted topics are gone (uncached Metadata)", gone, names)
}

func brokerTopics(ctx context.Context, cl *kgo.Client) []string {
	req := kmsg.NewPtrMetadataRequest() // nil Topics: all topics
	resp, err := req.RequestWith(ctx, cl)
	must(err)
	var names []string
	for _, t := range resp.Topics {
		if t.Topic != nil {
			names = append(names, *t.Topic)
		}
	}
	sort.Strings(names)
	return names
}

func allLed(d kadm.TopicDetail, node int32) bool {
	for _, p := range d.Partitions {
		if p.Leader != node || len(p.Replicas) != 1 || len(p.ISR) != 1 || p.Err != nil {
			return false
		}
	}
	return true
}

func configValue(rc kadm.ResourceConfig, key string) string {
	for _, c := range rc.Configs {
		if c.Key == key && c.Value != nil {
			return *c.Value
		}
	}
	return ""
}

// ------------------------------------------------------------------------------------------ produce

func produce(boot, topic string, count int, codec string) {
	opts := []kgo.Opt{kgo.SeedBrokers(boot), kgo.DefaultProduceTopic(topic)}
	switch codec {
	case "", "default":
	case "none":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.NoCompression()))
	case "gzip":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.GzipCompression()))
	case "snappy":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.SnappyCompression()))
	case "lz4":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	case "zstd":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	default:
		must(fmt.Errorf("unknown codec %s", codec))
	}
	cl, err := kgo.NewClient(opts...)
	must(err)
	defer cl.Close()
	ctx, cancel := ctx30()
	defer cancel()
	t0 := time.Now()
	var mu sync.Mutex
	var wg sync.WaitGroup
	offsets := map[int32][]int64{}
	var errs []error
	for i := 0; i < count; i++ {
		r := &kgo.Record{Key: []byte(fmt.Sprintf("key-%d", i)), Value: []byte(fmt.Sprintf("value-%d", i)),
			Headers: []kgo.RecordHeader{{Key: "h", Value: []byte(fmt.Sprintf("header-%d", i))}}}
		wg.Add(1)
		cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			offsets[r.Partition] = append(offsets[r.Partition], r.Offset)
		})
	}
	wg.Wait()
	check(fmt.Sprintf("every record acknowledged (%d)", count), len(errs) == 0, errs)
	consecutive := true
	for p, l := range offsets {
		for i := range l {
			if l[i] != l[0]+int64(i) {
				consecutive = false
			}
		}
		info(fmt.Sprintf("partition-%d-records", p), len(l))
	}
	check("offsets consecutive per partition in produce order", consecutive, offsets)
	info("produce-ms", time.Since(t0).Milliseconds())
}

// ------------------------------------------------------------------------------------------ consume from an offset

func consumeFrom(boot, topic string, partition int32, offset int64, expected int) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(boot),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {partition: kgo.NewOffset().At(offset)}}))
	must(err)
	defer cl.Close()
	ctx, cancel := ctx30()
	defer cancel()
	var got []*kgo.Record
	for len(got) < expected && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				check("fetch without errors", false, fmt.Sprint(t, p, err))
			}
		})
		fs.EachRecord(func(r *kgo.Record) { got = append(got, r) })
	}
	if len(got) > expected {
		got = got[:expected]
	}
	check(fmt.Sprintf("read %d records from offset %d", expected, offset), len(got) == expected, len(got))
	if len(got) == 0 {
		return
	}
	check(fmt.Sprintf("first record is at offset %d", offset), got[0].Offset == offset, got[0].Offset)
	seq := true
	for i, r := range got {
		if r.Offset != offset+int64(i) {
			seq = false
		}
	}
	check("offsets consecutive", seq, "")
	h := ""
	if len(got[0].Headers) > 0 {
		h = string(got[0].Headers[0].Value)
	}
	info("first", fmt.Sprintf("%s=%s h=%s", got[0].Key, got[0].Value, h))
}

// ------------------------------------------------------------------------------------------ group

func group(boot, topic, groupID string) {
	adm, acl := newAdmin(boot)
	defer acl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ends, err := adm.ListEndOffsets(ctx, topic)
	must(err)
	total := int64(0)
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	info("records", total)

	var mu sync.Mutex
	seen := map[string]bool{}
	dups := 0
	assigned := map[string]map[int32]bool{} // current assignment of each member
	var atDone map[string][]int32           // both assignments when the group had read everything
	var errs []string
	done := make(chan struct{})
	var closeOnce sync.Once
	var wg sync.WaitGroup
	for m := 0; m < 2; m++ {
		name := fmt.Sprintf("member-%d", m)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.ConsumerGroup(groupID), kgo.ConsumeTopics(topic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit(),
				kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) {
					mu.Lock()
					defer mu.Unlock()
					if assigned[name] == nil {
						assigned[name] = map[int32]bool{}
					}
					for _, p := range a[topic] {
						assigned[name][p] = true
					}
				}),
				kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, r map[string][]int32) {
					// Commit what was processed before giving partitions away (the documented pattern).
					if err := cl.CommitUncommittedOffsets(ctx); err != nil {
						mu.Lock()
						errs = append(errs, "commit on revoke: "+err.Error())
						mu.Unlock()
					}
					mu.Lock()
					defer mu.Unlock()
					for _, p := range r[topic] {
						delete(assigned[name], p)
					}
				}),
				kgo.BlockRebalanceOnPoll())
			if err != nil {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
				return
			}
			defer cl.Close()
			for {
				select {
				case <-done:
					if err := cl.CommitUncommittedOffsets(context.Background()); err != nil {
						mu.Lock()
						errs = append(errs, "final commit: "+err.Error())
						mu.Unlock()
					}
					return
				case <-ctx.Done():
					return
				default:
				}
				pctx, pcancel := context.WithTimeout(ctx, 300*time.Millisecond)
				fs := cl.PollFetches(pctx)
				pcancel()
				fs.EachError(func(t string, p int32, err error) {
					if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
						mu.Lock()
						errs = append(errs, fmt.Sprint(t, p, err))
						mu.Unlock()
					}
				})
				mu.Lock()
				fs.EachRecord(func(r *kgo.Record) {
					k := fmt.Sprintf("%d/%d", r.Partition, r.Offset)
					if seen[k] {
						dups++
					}
					seen[k] = true
				})
				mu.Unlock()
				if err := cl.CommitUncommittedOffsets(ctx); err != nil {
					mu.Lock()
					errs = append(errs, "commit: "+err.Error())
					mu.Unlock()
				}
				cl.AllowRebalance()
				mu.Lock()
				if int64(len(seen)) >= total && len(assigned["member-0"]) > 0 && len(assigned["member-1"]) > 0 {
					closeOnce.Do(func() {
						atDone = map[string][]int32{}
						for m, ps := range assigned {
							for p := range ps {
								atDone[m] = append(atDone[m], p)
							}
							sort.Slice(atDone[m], func(i, j int) bool { return atDone[m][i] < atDone[m][j] })
						}
						close(done)
					})
				}
				mu.Unlock()
			}
		}()
		if m == 0 {
			time.Sleep(time.Second)
		}
	}
	wg.Wait()
	check("no consumer errors", len(errs) == 0, errs)
	check(fmt.Sprintf("the group read every record (%d)", total), int64(len(seen)) == total, len(seen))
	check("no record delivered twice", dups == 0, dups)
	overlap := false
	for _, p := range atDone["member-0"] {
		for _, q := range atDone["member-1"] {
			overlap = overlap || p == q
		}
	}
	check("both members held partitions at the end, disjointly", len(atDone["member-0"]) > 0 && len(atDone["member-1"]) > 0 && !overlap, atDone)
	info("assignment", atDone)

	committed, err := adm.FetchOffsets(ctx, groupID)
	must(err)
	match := true
	ends.Each(func(o kadm.ListedOffset) {
		c, ok := committed.Lookup(topic, o.Partition)
		if !ok || c.Err != nil || c.At != o.Offset {
			match = false
		}
	})
	check("committed offsets (kadm FetchOffsets) equal the end offsets", match, committed)
	dg, err := adm.DescribeGroups(ctx, groupID)
	must(err)
	check("DescribeGroups: Empty after both left", dg[groupID].State == "Empty" && len(dg[groupID].Members) == 0, dg[groupID])
	lg, err := adm.ListGroups(ctx)
	must(err)
	check("ListGroups includes the group", contains(lg.Groups(), groupID), lg.Groups())

	// Five more records; one member of the same group resumes from the commits and sees only those.
	pcl, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.DefaultProduceTopic(topic))
	must(err)
	for i := 0; i < 5; i++ {
		must(pcl.ProduceSync(ctx, kgo.StringRecord(fmt.Sprintf("after-%d", i))).FirstErr())
	}
	pcl.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.ConsumerGroup(groupID), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	must(err)
	var resumed []string
	deadline := time.Now().Add(30 * time.Second)
	for len(resumed) < 5 && time.Now().Before(deadline) {
		pctx, pcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { resumed = append(resumed, string(r.Value)) })
		pcancel()
	}
	pctx, pcancel := context.WithTimeout(ctx, time.Second)
	cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { resumed = append(resumed, string(r.Value)) })
	pcancel()
	must(cl.CommitUncommittedOffsets(ctx))
	cl.Close()
	sort.Strings(resumed)
	check("a restarted member resumes from the commits (only the 5 new records)",
		strings.Join(resumed, ",") == "after-0,after-1,after-2,after-3,after-4", resumed)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func readAll(boot, topic string, level kgo.IsolationLevel, expected int) []string {
	cl, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(level), kgo.FetchMaxWait(200*time.Millisecond))
	must(err)
	defer cl.Close()
	var got []string
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < expected && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
		cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	cancel()
	sort.Strings(got)
	return got
}

func txn(boot, topic string) {
	adm, acl := newAdmin(boot)
	defer acl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, err := adm.CreateTopic(ctx, 2, 1, nil, topic)
	must(err)
	cl, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.TransactionalID("fg-txn"), kgo.DefaultProduceTopic(topic))
	must(err)
	defer cl.Close()
	run := func(prefix string, n int, commit kgo.TransactionEndTry) error {
		if err := cl.BeginTransaction(); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(fmt.Sprint("k", i)), Value: []byte(fmt.Sprint(prefix, "-", i))}).FirstErr(); err != nil {
				return err
			}
		}
		return cl.EndTransaction(ctx, commit)
	}
	err = run("committed", 10, kgo.TryCommit)
	check("transaction committed", err == nil, err)
	err = run("aborted", 5, kgo.TryAbort)
	check("transaction aborted", err == nil, err)
	described, err := adm.DescribeTransactions(ctx, "fg-txn")
	d, ok := described["fg-txn"]
	check("kadm DescribeTransactions: CompleteAbort", err == nil && ok && d.State == "CompleteAbort", fmt.Sprint(d, err))
	listed, err := adm.ListTransactions(ctx, nil, nil)
	_, found := listed["fg-txn"]
	check("kadm ListTransactions includes fg-txn", err == nil && found, fmt.Sprint(listed, err))
	var want []string
	for i := 0; i < 10; i++ {
		want = append(want, fmt.Sprint("committed-", i))
	}
	sort.Strings(want)
	got := readAll(boot, topic, kgo.ReadCommitted(), 10)
	check("read_committed consumer: committed records only", strings.Join(got, ",") == strings.Join(want, ","), got)
	got = readAll(boot, topic, kgo.ReadUncommitted(), 15)
	check("read_uncommitted consumer: the aborted records too (15)", len(got) == 15, got)
}
