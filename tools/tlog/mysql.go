package main

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	mysqlstorage "github.com/transparency-dev/tessera/storage/mysql"
	// Tessera's only persistent antispam on MySQL lives in its AWS package; it needs nothing of AWS but the database.
	mysql_as "github.com/transparency-dev/tessera/storage/aws/antispam"
)

// mysqlScheme prefixes --storage when the log lives in a MySQL (or MariaDB) database instead of a directory:
// mysql://USER[:PASSWORD]@tcp(127.0.0.1:PORT)/DATABASE, the rest being go-sql-driver/mysql's DSN.
const mysqlScheme = "mysql://"

// mysqlPasswordVariable holds the database's password when the DSN has none, so it stays out of process lists.
const mysqlPasswordVariable = "TLOG_MYSQL_PASSWORD"

// minMySQLCheckpointInterval is Tessera's floor for its MySQL storage (it refuses shorter intervals).
const minMySQLCheckpointInterval = time.Second

// mysqlSchema is Tessera's own schema for its MySQL storage, applied on every start (each statement is idempotent),
// so several writers may start at once on an empty database.
//
//go:embed mysql_schema.sql
var mysqlSchema string

// mysqlDSN is the database of --storage when it names one, else "" (a POSIX directory).
func mysqlDSN(storage string) (string, bool) {
	dsn, ok := strings.CutPrefix(storage, mysqlScheme)
	return dsn, ok
}

// openMySQL opens the database, applies the schema, and returns Tessera's MySQL driver with the persistent antispam
// in the same database, shared by every writer of the log.
func openMySQL(ctx context.Context, dsn string, l *logFlags) (tessera.Driver, tessera.Antispam, error) {
	config, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("--storage=%s...: not a MySQL DSN: %w", mysqlScheme, err)
	}
	if config.Passwd == "" {
		config.Passwd = os.Getenv(mysqlPasswordVariable)
	}
	if err := applySchema(ctx, config); err != nil {
		return nil, nil, err
	}
	db, err := sql.Open("mysql", config.FormatDSN())
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxLifetime(3 * time.Minute)
	driver, err := mysqlstorage.New(ctx, db)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the MySQL storage: %w", err)
	}
	if !l.persistentAntispam {
		return driver, nil, nil
	}
	antispam, err := mysql_as.NewAntispam(ctx, config.FormatDSN(), mysql_as.AntispamOpts{
		MaxBatchSize: 1000,
		// Above one full POST /add, so a single large batch does not make every writer push back.
		PushbackThreshold: 4 * maxBatch,
		MaxOpenConns:      8,
		MaxIdleConns:      8,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("opening the antispam tables: %w", err)
	}
	return driver, antispam, nil
}

// applySchema creates Tessera's tables if they are missing, on a connection of its own that allows several
// statements at once.
func applySchema(ctx context.Context, config *mysql.Config) error {
	schemaConfig := config.Clone()
	schemaConfig.MultiStatements = true
	db, err := sql.Open("mysql", schemaConfig.FormatDSN())
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if _, err := db.ExecContext(ctx, mysqlSchema); err != nil {
		return fmt.Errorf("applying Tessera's MySQL schema: %w", err)
	}
	return nil
}

// checkpointIntervalFor raises the checkpoint interval to the storage's floor when the flag was left at its default,
// and refuses an explicit one below it.
func checkpointIntervalFor(l *logFlags, mysqlStorage bool) (time.Duration, error) {
	if !mysqlStorage || l.checkpointInterval >= minMySQLCheckpointInterval {
		return l.checkpointInterval, nil
	}
	if l.checkpointIntervalSet {
		return 0, fmt.Errorf("--checkpoint-interval %v: Tessera's MySQL storage needs %v or more", l.checkpointInterval, minMySQLCheckpointInterval)
	}
	return minMySQLCheckpointInterval, nil
}

// serveTilesFromReader adds the C2SP tlog-tiles read paths served from the log's reader (a database has no files
// to serve). Tessera's MySQL reader answers a partial tile or bundle with everything it holds so far; the answer is
// cut to the width the path names, so every copy of the log serves the same bytes for the same path.
func serveTilesFromReader(mux *http.ServeMux, reader tessera.LogReader) {
	mux.HandleFunc("GET /checkpoint", func(w http.ResponseWriter, r *http.Request) {
		checkpoint, err := reader.ReadCheckpoint(r.Context())
		writeRead(w, "no-cache", checkpoint, err)
	})
	mux.HandleFunc("GET /tile/{level}/{index...}", func(w http.ResponseWriter, r *http.Request) {
		level, index, width, err := layout.ParseTileLevelIndexPartial(r.PathValue("level"), r.PathValue("index"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		tile, err := reader.ReadTile(r.Context(), level, index, width)
		if err == nil && width > 0 {
			tile = tile[:int(width)*32]
		}
		writeRead(w, "max-age=31536000, immutable", tile, err)
	})
	mux.HandleFunc("GET /tile/entries/{index...}", func(w http.ResponseWriter, r *http.Request) {
		index, width, err := layout.ParseTileIndexPartial(r.PathValue("index"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		bundle, err := reader.ReadEntryBundle(r.Context(), index, width)
		if err == nil && width > 0 {
			bundle, err = firstEntries(bundle, int(width))
		}
		writeRead(w, "max-age=31536000, immutable", bundle, err)
	})
}

// firstEntries is the entry bundle cut to its first `width` entries (each a big-endian uint16 length and the bytes).
func firstEntries(bundle []byte, width int) ([]byte, error) {
	var parsed api.EntryBundle
	if err := parsed.UnmarshalText(bundle); err != nil {
		return nil, err
	}
	if len(parsed.Entries) < width {
		return nil, fs.ErrNotExist
	}
	end := 0
	for _, entry := range parsed.Entries[:width] {
		end += 2 + len(entry)
	}
	return bundle[:end], nil
}

// writeRead answers a read: the bytes, 404 for what the log does not hold (yet), 500 otherwise.
func writeRead(w http.ResponseWriter, cacheControl string, body []byte, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		http.Error(w, "not found", http.StatusNotFound)
	case err != nil:
		log.Printf("tlog: read failed: %v", err)
		http.Error(w, "read failed", http.StatusInternalServerError)
	default:
		w.Header().Set("Cache-Control", cacheControl)
		_, _ = w.Write(body)
	}
}
