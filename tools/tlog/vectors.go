package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
)

// vectorLeaves extends the module's reference leaves so proofs cross several levels and odd sizes.
const vectorLeaves = 21

type inclusionVector struct {
	Index    uint64   `json:"index"`
	Size     uint64   `json:"size"`
	LeafHash string   `json:"leaf_hash"`
	Proof    []string `json:"proof"`
}

type consistencyVector struct {
	Size1 uint64   `json:"size1"`
	Size2 uint64   `json:"size2"`
	Proof []string `json:"proof"`
}

type vectorFile struct {
	Source      string              `json:"source"`
	Leaves      []string            `json:"leaves"`
	Roots       []string            `json:"roots"`
	Inclusion   []inclusionVector   `json:"inclusion"`
	Consistency []consistencyVector `json:"consistency"`
}

// vectors prints every inclusion and consistency proof of a small tree as computed by transparency-dev/merkle's
// reference tree, so the Python verifier is checked against the implementation Tessera itself uses.
func vectors(out io.Writer) error {
	leaves := testonly.LeafInputs()
	for i := len(leaves); i < vectorLeaves; i++ {
		leaves = append(leaves, []byte(fmt.Sprintf("drl leaf %d", i)))
	}
	tree := testonly.New(rfc6962.DefaultHasher)
	tree.AppendData(leaves...)
	v := vectorFile{Source: "github.com/transparency-dev/merkle v0.0.2 testonly reference tree, RFC 6962 hashing"}
	for _, l := range leaves {
		v.Leaves = append(v.Leaves, fmt.Sprintf("%x", l))
	}
	for size := uint64(0); size <= tree.Size(); size++ {
		v.Roots = append(v.Roots, fmt.Sprintf("%x", tree.HashAt(size)))
		for index := uint64(0); index < size; index++ {
			p, err := tree.InclusionProof(index, size)
			if err != nil {
				return err
			}
			v.Inclusion = append(v.Inclusion, inclusionVector{index, size, fmt.Sprintf("%x", tree.LeafHash(index)), hexAll(p)})
		}
		for size1 := uint64(1); size1 <= size; size1++ {
			p, err := tree.ConsistencyProof(size1, size)
			if err != nil {
				return err
			}
			v.Consistency = append(v.Consistency, consistencyVector{size1, size, hexAll(p)})
		}
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}

func hexAll(hashes [][]byte) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = fmt.Sprintf("%x", h)
	}
	return out
}
