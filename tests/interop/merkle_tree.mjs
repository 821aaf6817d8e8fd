// OpenZeppelin's StandardMerkleTree, as a third party would use it: reads {leafDomain, trees: [[entry, ...], ...]}
// as JSON on stdin, writes [{root, proofs: [[sibling, ...] per entry, in the given order]}, ...] on stdout.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { leafDomain, trees } = JSON.parse(input);
const answers = trees.map((entries) => {
  const tree = StandardMerkleTree.of(entries.map((entry) => [leafDomain, entry]), ["bytes32", "bytes32"]);
  return { root: tree.root, proofs: entries.map((_, i) => tree.getProof(i)) };
});
process.stdout.write(JSON.stringify(answers));
