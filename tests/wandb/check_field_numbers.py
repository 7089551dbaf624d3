"""Fails when a protobuf field number hard-coded in vitals differs from the installed wandb.

Parses include/vitals/sinks/wandb/fields.hpp (`namespace <Message> {` blocks of
`inline constexpr field_number <field> = N;`) and compares each number with the descriptor in
wandb.proto.wandb_internal_pb2 (google.protobuf's Timestamp for `Timestamp`). Also pins the wandb
version the oracles were written against.
"""
import os
import re
import sys

PINNED_WANDB = "0.31.0"


def main() -> int:
    src = os.environ.get("VITALS_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    header = os.path.join(src, "include", "vitals", "sinks", "wandb", "fields.hpp")
    text = open(header).read()

    import wandb
    from google.protobuf import timestamp_pb2
    from wandb.proto import wandb_internal_pb2 as pb

    problems = []
    if wandb.__version__ != PINNED_WANDB:
        problems.append(f"wandb {wandb.__version__} installed, the oracles are pinned to {PINNED_WANDB}")

    checked = 0
    message = None
    for line in text.splitlines():
        m = re.match(r"\s*namespace (\w+) \{", line)
        if m:
            message = m.group(1)
            continue
        if re.match(r"\s*\}\s*//\s*namespace", line):
            message = None
            continue
        m = re.match(r"\s*inline constexpr field_number (\w+) = (\d+);", line)
        if m:
            if message is None:
                problems.append(f"field outside a message namespace: {line.strip()}")
                continue
            field, number = m.group(1), int(m.group(2))
            desc = timestamp_pb2.Timestamp.DESCRIPTOR if message == "Timestamp" else pb
            for part in ([] if message == "Timestamp" else message.split("__")):  # Outer__Inner: nested
                desc = getattr(desc, part, None)
            desc = getattr(desc, "DESCRIPTOR", desc)
            if desc is None:
                problems.append(f"{message}: no such message in wandb_internal_pb2")
                continue
            f = desc.fields_by_name.get(field)
            if f is None:
                problems.append(f"{message}.{field}: no such field in wandb {wandb.__version__}")
            elif f.number != number:
                problems.append(f"{message}.{field}: vitals has {number}, wandb {wandb.__version__} has {f.number}")
            checked += 1

    goal = pb.MetricRecord.DESCRIPTOR.fields_by_name["goal"].enum_type.values_by_name
    for name, wb in (("minimize", "GOAL_MINIMIZE"), ("maximize", "GOAL_MAXIMIZE")):
        m = re.search(rf"metric_goal_{name} = (\d+);", text)
        if not m or int(m.group(1)) != goal[wb].number:
            problems.append(f"metric_goal_{name}: vitals has {m and m.group(1)}, wandb has {goal[wb].number}")
        checked += 1

    enums = (("files_policy_now", pb.FilesItem.PolicyType.Value("NOW")), ("files_policy_end", pb.FilesItem.PolicyType.Value("END")),
             ("file_type_wandb", pb.FilesItem.FileType.Value("WANDB")), ("output_stderr", pb.OutputRawRecord.OutputType.Value("STDERR")),
             ("output_stdout", pb.OutputRawRecord.OutputType.Value("STDOUT")))
    for name, number in enums:
        m = re.search(rf"{name} = (\d+);", text)
        if not m or int(m.group(1)) != number:
            problems.append(f"{name}: vitals has {m and m.group(1)}, wandb has {number}")
        checked += 1

    if checked < 40:
        problems.append(f"only {checked} numbers parsed from {header}: did its format change?")
    for p in problems:
        print("FAIL:", p)
    print(f"checked {checked} field numbers against wandb {wandb.__version__}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
