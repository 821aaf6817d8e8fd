package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/transparency-dev/tessera"
)

// maxBatch bounds one POST /add, so a single request cannot hold the writer for long.
const maxBatch = 10000

// pushbackPatience is how long one POST /add keeps adding again the entries Tessera pushed back (it does so
// while its integration or duplicate index lags), all of them together each time, pausing pushbackPause between
// tries, before it answers 503 with Retry-After.
const (
	pushbackPatience = 30 * time.Second
	pushbackPause    = 10 * time.Millisecond
)

// addRequest is the body of POST /add: the entries, each the exact bytes of a leaf, base64 in JSON.
type addRequest struct {
	Entries [][]byte `json:"entries"`
}

// addResponse answers POST /add once every entry is published: a checkpoint commits to each index.
type addResponse struct {
	Indices    []uint64 `json:"indices"`
	Duplicates []bool   `json:"duplicates"`
	Checkpoint string   `json:"checkpoint"`
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	var l logFlags
	l.register(fs)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on (loopback only)")
	portFile := fs.String("port-file", "", "file to write the bound port to once listening")
	_ = fs.Parse(args)
	l.noteExplicitFlags(fs)

	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to listen on %q: loopback addresses only", host)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	appender, shutdown, reader, err := openLog(ctx, &l)
	if err != nil {
		return err
	}
	awaiter := tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, 10*time.Millisecond)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /add", func(w http.ResponseWriter, r *http.Request) {
		handleAdd(w, r, appender, awaiter)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		cp, err := reader.ReadCheckpoint(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write(cp)
	})
	if _, onMySQL := mysqlDSN(l.storage); onMySQL {
		serveTilesFromReader(mux, reader)
	} else {
		files := http.FileServer(http.Dir(l.storage))
		mux.Handle("GET /checkpoint", cacheControl("no-cache", files))
		mux.Handle("GET /tile/", cacheControl("max-age=31536000, immutable", files))
		mux.Handle("GET /entries/", files)
	}

	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *portFile != "" {
		port := listener.Addr().(*net.TCPAddr).Port
		if err := os.WriteFile(*portFile, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
			return err
		}
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdownCtx)
	}()
	log.Printf("tlog: serving %s on http://%s", storageName(l.storage), listener.Addr())
	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return shutdown(shutdownCtx)
}

// handleAdd sequences a batch and answers only once a published checkpoint commits to every entry of it, so an
// answered entry is on disk and provable.
func handleAdd(w http.ResponseWriter, r *http.Request, appender *tessera.Appender, awaiter *tessera.PublicationAwaiter) {
	var req addRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&req); err != nil {
		http.Error(w, "body must be {\"entries\": [base64, ...]}", http.StatusBadRequest)
		return
	}
	if len(req.Entries) == 0 || len(req.Entries) > maxBatch {
		http.Error(w, fmt.Sprintf("between 1 and %d entries per request", maxBatch), http.StatusBadRequest)
		return
	}
	resp := addResponse{Indices: make([]uint64, len(req.Entries)), Duplicates: make([]bool, len(req.Entries))}
	pending := make([]int, len(req.Entries)) // positions in the batch not yet given an index
	for i := range pending {
		pending[i] = i
	}
	backOffUntil := time.Now().Add(pushbackPatience)
	for round := 0; len(pending) > 0; round++ {
		pushedBack, err := addPublished(r, appender, awaiter, req.Entries, pending, &resp)
		if err == nil && len(pushedBack) > 0 && time.Now().After(backOffUntil) {
			err = fmt.Errorf("%w: %d of %d entries not accepted within %s", tessera.ErrPushback, len(pushedBack),
				len(req.Entries), pushbackPatience)
		}
		if err != nil {
			w.Header().Set("Retry-After", "1")
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if round == 0 && len(pushedBack) > 0 {
			log.Printf("tlog: Tessera pushed back %d of %d entries; adding them again together", len(pushedBack), len(req.Entries))
		}
		if len(pushedBack) > 0 {
			time.Sleep(pushbackPause)
		}
		pending = pushedBack
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// addPublished adds the entries at `positions` all at once and awaits their publication, filling in `resp`; it
// returns the positions Tessera pushed back (it does so while its duplicate index or integration lags), to be added
// again together. Retried one at a time, each pushed-back entry cost a checkpoint cycle of its own, so a batch of
// hundreds outlasted the patience and was refused (issue 15: the one-worker 503s).
func addPublished(r *http.Request, appender *tessera.Appender, awaiter *tessera.PublicationAwaiter, entries [][]byte,
	positions []int, resp *addResponse) ([]int, error) {
	futures := make([]tessera.IndexFuture, len(positions))
	for j, i := range positions {
		futures[j] = appender.Add(r.Context(), tessera.NewEntry(entries[i]))
	}
	var pushedBack []int
	for j, f := range futures {
		idx, cp, err := awaiter.Await(r.Context(), f)
		if errors.Is(err, tessera.ErrPushback) {
			// The same bytes are added again: a second add of an entry that did go in is answered as a duplicate.
			pushedBack = append(pushedBack, positions[j])
			continue
		}
		if err != nil {
			return nil, err
		}
		resp.Indices[positions[j]] = idx.Index
		resp.Duplicates[positions[j]] = idx.IsDup
		resp.Checkpoint = string(cp) // checkpoints only grow: the last one awaited commits to every entry
	}
	return pushedBack, nil
}

func cacheControl(value string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", value)
		next.ServeHTTP(w, r)
	})
}

// storageName is --storage as it may be logged: a database's password left out.
func storageName(storage string) string {
	dsn, onMySQL := mysqlDSN(storage)
	if !onMySQL {
		return storage
	}
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		return mysqlScheme + "…" + dsn[at:]
	}
	return mysqlScheme + dsn
}
