package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	badger_as "github.com/transparency-dev/tessera/storage/posix/antispam"
	"golang.org/x/mod/sumdb/note"
)

// logFlags are the settings shared by every mode that writes the log.
type logFlags struct {
	storage               string
	keyFile               string
	batchSize             uint
	batchAge              time.Duration
	checkpointInterval    time.Duration
	checkpointIntervalSet bool
	persistentAntispam    bool
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.storage, "storage", "", "directory of the log (tiles, entry bundles, checkpoint), or "+
		mysqlScheme+"USER:PASSWORD@tcp(127.0.0.1:PORT)/DATABASE for Tessera's MySQL storage (several writers)")
	fs.StringVar(&l.keyFile, "key", "", "file holding the log's note signing key (PRIVATE+KEY+...)")
	fs.UintVar(&l.batchSize, "batch-size", 256, "entries sequenced together at most")
	fs.DurationVar(&l.batchAge, "batch-age", 50*time.Millisecond, "longest an entry waits for its batch")
	fs.DurationVar(&l.checkpointInterval, "checkpoint-interval", 100*time.Millisecond, "how often a new checkpoint is signed")
	fs.BoolVar(&l.persistentAntispam, "antispam", true, "remember entries across restarts so a retried entry gets its first index")
}

// noteExplicitFlags records which settings were given on the command line (after fs.Parse).
func (l *logFlags) noteExplicitFlags(fs *flag.FlagSet) {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "checkpoint-interval" {
			l.checkpointIntervalSet = true
		}
	})
}

// openLog opens (creating on first use) the log on its storage, a POSIX directory or a MySQL database, and its
// appender; the caller must call the shutdown function.
func openLog(ctx context.Context, l *logFlags) (*tessera.Appender, func(context.Context) error, tessera.LogReader, error) {
	if l.storage == "" || l.keyFile == "" {
		return nil, nil, nil, fmt.Errorf("--storage and --key are required")
	}
	key, err := os.ReadFile(l.keyFile)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading the log key: %w", err)
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(key)))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("the log key is not a note signing key: %w", err)
	}
	dsn, onMySQL := mysqlDSN(l.storage)
	interval, err := checkpointIntervalFor(l, onMySQL)
	if err != nil {
		return nil, nil, nil, err
	}
	var driver tessera.Driver
	var antispam tessera.Antispam
	if onMySQL {
		driver, antispam, err = openMySQL(ctx, dsn, l)
	} else {
		driver, antispam, err = openPOSIX(ctx, l)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	republish := time.Minute
	if republish < interval {
		republish = interval
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithCheckpointInterval(interval).
		WithCheckpointRepublishInterval(republish).
		WithBatching(l.batchSize, l.batchAge).
		WithAntispam(tessera.DefaultAntispamInMemorySize, antispam)
	return tessera.NewAppender(ctx, driver, opts)
}

// openPOSIX opens the log's directory, with the persistent antispam (Badger) in its `.state/`.
func openPOSIX(ctx context.Context, l *logFlags) (tessera.Driver, tessera.Antispam, error) {
	driver, err := posix.New(ctx, posix.Config{Path: l.storage})
	if err != nil {
		return nil, nil, fmt.Errorf("opening the POSIX storage: %w", err)
	}
	if !l.persistentAntispam {
		return driver, nil, nil
	}
	antispam, err := badger_as.NewAntispam(ctx, filepath.Join(l.storage, ".state", "antispam"), badger_as.AntispamOpts{})
	if err != nil {
		return nil, nil, fmt.Errorf("opening the antispam store: %w", err)
	}
	return driver, antispam, nil
}
