// Field numbers of the wandb_internal protobuf messages vitals writes.
//
// Copied from the installed wandb package's descriptors (wandb 0.22.3,
// `wandb.proto.wandb_internal_pb2`), never from memory. tests/wandb/check_field_numbers.py parses
// this file — one `namespace <Message> {` per message, one `field_number <field> = N;` per field —
// and fails when any number differs from the installed wandb, so an upgrade that renumbers is
// caught. Keep that shape when adding fields.
#pragma once

#include <cstdint>

namespace vitals::detail::wandb_fields {

using field_number = std::uint32_t;

// clang-format off
namespace Record {
inline constexpr field_number num = 1;
inline constexpr field_number history = 2;
inline constexpr field_number summary = 3;
inline constexpr field_number config = 5;
inline constexpr field_number alert = 10;
inline constexpr field_number metric = 12;
inline constexpr field_number run = 17;
inline constexpr field_number exit = 18;
inline constexpr field_number final = 20;
inline constexpr field_number preempting = 23;
}  // namespace Record

namespace RunRecord {
inline constexpr field_number run_id = 1;
inline constexpr field_number entity = 2;
inline constexpr field_number project = 3;
inline constexpr field_number config = 4;
inline constexpr field_number run_group = 6;
inline constexpr field_number job_type = 7;
inline constexpr field_number display_name = 8;
inline constexpr field_number notes = 9;
inline constexpr field_number tags = 10;
inline constexpr field_number host = 13;
inline constexpr field_number starting_step = 14;
inline constexpr field_number start_time = 17;
inline constexpr field_number resumed = 18;
inline constexpr field_number runtime = 20;
inline constexpr field_number resume = 24;
}  // namespace RunRecord

namespace Timestamp {  // google.protobuf.Timestamp
inline constexpr field_number seconds = 1;
inline constexpr field_number nanos = 2;
}  // namespace Timestamp

namespace ConfigRecord {
inline constexpr field_number update = 1;
}  // namespace ConfigRecord

namespace ConfigItem {
inline constexpr field_number key = 1;
inline constexpr field_number nested_key = 2;
inline constexpr field_number value_json = 16;
}  // namespace ConfigItem

namespace HistoryRecord {
inline constexpr field_number item = 1;
inline constexpr field_number step = 2;
}  // namespace HistoryRecord

namespace HistoryItem {
inline constexpr field_number key = 1;
inline constexpr field_number nested_key = 2;
inline constexpr field_number value_json = 16;
}  // namespace HistoryItem

namespace HistoryStep {
inline constexpr field_number num = 1;
}  // namespace HistoryStep

namespace SummaryRecord {
inline constexpr field_number update = 1;
}  // namespace SummaryRecord

namespace SummaryItem {
inline constexpr field_number key = 1;
inline constexpr field_number nested_key = 2;
inline constexpr field_number value_json = 16;
}  // namespace SummaryItem

namespace RunExitRecord {
inline constexpr field_number exit_code = 1;
inline constexpr field_number runtime = 2;
inline constexpr field_number not_complete = 3;
}  // namespace RunExitRecord

namespace MetricRecord {
inline constexpr field_number name = 1;
inline constexpr field_number glob_name = 2;
inline constexpr field_number step_metric = 4;
inline constexpr field_number options = 6;
inline constexpr field_number summary = 7;
inline constexpr field_number goal = 8;
inline constexpr field_number _control = 9;
inline constexpr field_number expanded_from_glob = 10;
}  // namespace MetricRecord

namespace MetricOptions {
inline constexpr field_number step_sync = 1;
inline constexpr field_number hidden = 2;
inline constexpr field_number defined = 3;
}  // namespace MetricOptions

namespace MetricSummary {
inline constexpr field_number min = 1;
inline constexpr field_number max = 2;
inline constexpr field_number mean = 3;
inline constexpr field_number best = 4;
inline constexpr field_number last = 5;
inline constexpr field_number none = 6;
inline constexpr field_number copy = 7;
inline constexpr field_number first = 8;
}  // namespace MetricSummary

namespace MetricControl {
inline constexpr field_number overwrite = 1;
}  // namespace MetricControl

namespace AlertRecord {
inline constexpr field_number title = 1;
inline constexpr field_number text = 2;
inline constexpr field_number level = 3;
inline constexpr field_number wait_duration = 4;
}  // namespace AlertRecord
// clang-format on

/// MetricRecord.goal values (enum MetricRecord.MetricGoal).
inline constexpr int metric_goal_minimize = 1;
inline constexpr int metric_goal_maximize = 2;

}  // namespace vitals::detail::wandb_fields
