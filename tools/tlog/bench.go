package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera"
)

// benchResult is what `tlog bench` prints: entries published per second by Tessera's own writer.
type benchResult struct {
	Entries       uint64  `json:"entries"`
	Seconds       float64 `json:"seconds"`
	EntriesPerSec float64 `json:"entries_per_second"`
	Concurrency   int     `json:"concurrency"`
	EntryBytes    int     `json:"entry_bytes"`
	Storage       string  `json:"storage"`
}

// bench writes distinct entries for a while with the same options as `serve`, awaiting publication of each as the
// service does, so its rate is the ceiling the ledger's API is measured against.
func bench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	var l logFlags
	l.register(fs)
	duration := fs.Duration("duration", 60*time.Second, "how long to write")
	concurrency := fs.Int("concurrency", 64, "writers adding at once")
	entryBytes := fs.Int("entry-bytes", 400, "size of each entry (an evidence entry is about this size)")
	_ = fs.Parse(args)
	l.noteExplicitFlags(fs)

	ctx := context.Background()
	appender, shutdown, reader, err := openLog(ctx, &l)
	if err != nil {
		return err
	}
	awaiter := tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, 10*time.Millisecond)
	var done atomic.Uint64
	var failed atomic.Value
	deadline := time.Now().Add(*duration)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			entry := make([]byte, *entryBytes)
			binary.BigEndian.PutUint64(entry[8:], uint64(start.UnixNano()))
			for n := uint64(0); time.Now().Before(deadline); n++ {
				binary.BigEndian.PutUint32(entry[0:], uint32(w))
				binary.BigEndian.PutUint32(entry[4:], uint32(n))
				_, _, err := awaiter.Await(ctx, appender.Add(ctx, tessera.NewEntry(append([]byte(nil), entry...))))
				if errors.Is(err, tessera.ErrPushback) {
					n-- // Tessera asks writers to back off: the entry is retried, as a client of the log would
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if err != nil {
					failed.Store(err)
					return
				}
				done.Add(1)
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if err := shutdown(ctx); err != nil {
		return err
	}
	if err, ok := failed.Load().(error); ok {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(benchResult{
		Entries: done.Load(), Seconds: elapsed, EntriesPerSec: float64(done.Load()) / elapsed,
		Concurrency: *concurrency, EntryBytes: *entryBytes, Storage: storageKind(l.storage),
	})
}

// storageKind names the storage a run wrote to, for the benchmark's record.
func storageKind(storage string) string {
	if _, onMySQL := mysqlDSN(storage); onMySQL {
		return "mysql"
	}
	return "posix"
}
