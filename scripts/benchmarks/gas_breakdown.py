"""Where the gas of the signed rights actions goes: each transaction of `gas.py` that misses its target, traced
opcode by opcode on anvil and summed by what the gas pays for, written to docs/gas-breakdown.md.

Run: .venv/bin/python scripts/benchmarks/gas_breakdown.py
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from gas import Bench, _machine, measured_ledger

from ledger.toolchain import PROJECT_ROOT

ACTIONS = {
    "grantLicence": "grantLicence (non-exclusive)",
    "requestTransfer": "requestTransfer",
    "encumber": "encumber (pledge)",
}
ECRECOVER = 1
INTRINSIC = 21_000
COLD_ACCOUNT = 2_600
WARM_ACCOUNT = 100
ECRECOVER_COST = 3_000
INTRINSIC_PART = "intrinsic"
CALLDATA = "calldata (terms and signatures)"
WRITES = "storage writes: the new record (20,000), for a licence also the right's bookkeeping"
READS = "storage reads: 2,100 for each cold slot a rule needs"
ACCOUNTS = "the registry and LedgerAccess as cold accounts"
SIGNATURES = "signature recovery"
EVENT = "the event"
RULES = (INTRINSIC_PART, CALLDATA, WRITES, READS, ACCOUNTS, SIGNATURES, EVENT)
INSTRUCTIONS = "instructions (dispatch, ABI encoding, hashing, checks)"
TOTAL = "total (receipt)"


def breakdown(bench: Bench, label: str) -> Counter[str]:
    """Sums one transaction's gas by what it pays for; what no rule explains is the instructions' share."""
    tx_hash = bench.transactions[label]
    trace: dict[str, Any] = bench.w3.provider.make_request(
        "debug_traceTransaction",  # type: ignore[arg-type]
        [tx_hash, {"enableMemory": False}],
    )["result"]
    data = bytes(bench.w3.eth.get_transaction(tx_hash)["input"])  # type: ignore[arg-type]
    parts: Counter[str] = Counter()
    parts[INTRINSIC_PART] = INTRINSIC
    parts[CALLDATA] = sum(16 if byte else 4 for byte in data)
    called: set[int] = set()
    for step in trace["structLogs"]:
        op = step["op"]
        if op == "SLOAD":
            parts[READS] += step["gasCost"]
        elif op == "SSTORE":
            parts[WRITES] += step["gasCost"]
        elif op.startswith("LOG"):
            parts[EVENT] += step["gasCost"]
        elif op in ("CALL", "STATICCALL"):
            target = int(step["stack"][-2], 16)
            if target == ECRECOVER:
                parts[SIGNATURES] += ECRECOVER_COST + WARM_ACCOUNT
            else:
                parts[ACCOUNTS] += WARM_ACCOUNT if target in called else COLD_ACCOUNT
                called.add(target)
    total = int(bench.w3.eth.get_transaction_receipt(tx_hash)["gasUsed"])  # type: ignore[arg-type]
    parts[INSTRUCTIONS] = total - sum(parts.values())
    parts[TOTAL] = total
    return parts


def write_report(columns: dict[str, Counter[str]]) -> str:
    names = list(columns)
    lines = [
        "# Where the gas of a signed rights action goes",
        "",
        "Measured by `scripts/benchmarks/gas_breakdown.py`: the `gas.py` transactions of the actions below,",
        "traced opcode by opcode (`debug_traceTransaction` on anvil with `--steps-tracing`) and summed by what",
        "the gas pays for. Storage reads and writes, events and calls are the opcodes' own costs; the",
        "instructions are the rest of the receipt's gas. Why this means the 80,000 target cannot be met is in",
        "[contracts.md](contracts.md#why-licences-transfer-requests-and-pledges-miss-80000).",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()}.",
        "",
        "| gas | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for part in RULES:
        lines.append(f"| {part} | " + " | ".join(f"{columns[n][part]:,}" for n in names) + " |")
    rules = {n: sum(columns[n][part] for part in RULES) for n in names}
    lines.append(
        "| **all the above: what the rules cost at EVM prices** | "
        + " | ".join(f"**{rules[n]:,}**" for n in names)
        + " |"
    )
    for part in (INSTRUCTIONS, TOTAL):
        lines.append(f"| {part} | " + " | ".join(f"{columns[n][part]:,}" for n in names) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    with measured_ledger(steps_tracing=True) as bench:
        columns = {name: breakdown(bench, label) for name, label in ACTIONS.items()}
    report = PROJECT_ROOT / "docs" / "gas-breakdown.md"
    report.write_text(write_report(columns))
    print(report.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
