// Field numbers of the wandb_internal protobuf messages vitals writes.
//
// Copied from the installed wandb package's descriptors (wandb 0.22.3,
// `wandb.proto.wandb_internal_pb2`), never from memory. tests/wandb/check_field_numbers.py parses
// this file — one `namespace <Message> {` per message, one `field_number <field> = N;` per field —
// and fails when any number differs from the installed wandb, so an upgrade that renumbers is
// caught. Keep that shape when adding fields.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>

namespace vitals::inline VITALS_ABI::detail::wandb_fields {
using field_number = std::uint32_t;

// clang-format off
namespace Record {
inline constexpr field_number num = 1;
inline constexpr field_number history = 2;
inline constexpr field_number summary = 3;
inline constexpr field_number config = 5;
inline constexpr field_number files = 6;
inline constexpr field_number stats = 7;
inline constexpr field_number alert = 10;
inline constexpr field_number metric = 12;
inline constexpr field_number output_raw = 13;
inline constexpr field_number run = 17;
inline constexpr field_number exit = 18;
inline constexpr field_number final = 20;
inline constexpr field_number preempting = 23;
inline constexpr field_number environment = 26;
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

namespace EnvironmentRecord {
inline constexpr field_number os = 1;
inline constexpr field_number started_at = 3;
inline constexpr field_number args = 5;
inline constexpr field_number program = 6;
inline constexpr field_number code_path = 7;
inline constexpr field_number git = 9;
inline constexpr field_number root = 11;
inline constexpr field_number host = 12;
inline constexpr field_number username = 13;
inline constexpr field_number executable = 14;
inline constexpr field_number cpu_count = 16;
inline constexpr field_number cpu_count_logical = 17;
inline constexpr field_number gpu_type = 18;
inline constexpr field_number gpu_count = 19;
inline constexpr field_number disk = 20;
inline constexpr field_number memory = 21;
inline constexpr field_number cpu = 22;
inline constexpr field_number gpu_nvidia = 24;
inline constexpr field_number cuda_version = 25;
inline constexpr field_number writer_id = 199;
}  // namespace EnvironmentRecord

namespace EnvironmentRecord__DiskEntry {  // the map<string, DiskInfo> entry
inline constexpr field_number key = 1;
inline constexpr field_number value = 2;
}  // namespace EnvironmentRecord__DiskEntry

namespace GitRepoRecord {
inline constexpr field_number remote_url = 1;
inline constexpr field_number commit = 2;
}  // namespace GitRepoRecord

namespace DiskInfo {
inline constexpr field_number total = 1;
inline constexpr field_number used = 2;
}  // namespace DiskInfo

namespace MemoryInfo {
inline constexpr field_number total = 1;
}  // namespace MemoryInfo

namespace CpuInfo {
inline constexpr field_number count = 1;
inline constexpr field_number count_logical = 2;
inline constexpr field_number model = 3;
}  // namespace CpuInfo

namespace GpuNvidiaInfo {
inline constexpr field_number name = 1;
inline constexpr field_number memory_total = 2;
}  // namespace GpuNvidiaInfo

namespace StatsRecord {
inline constexpr field_number stats_type = 1;
inline constexpr field_number timestamp = 2;
inline constexpr field_number item = 3;
}  // namespace StatsRecord

namespace StatsItem {
inline constexpr field_number key = 1;
inline constexpr field_number value_json = 16;
}  // namespace StatsItem

namespace FilesRecord {
inline constexpr field_number files = 1;
}  // namespace FilesRecord

namespace FilesItem {
inline constexpr field_number path = 1;
inline constexpr field_number policy = 2;
inline constexpr field_number type = 3;
}  // namespace FilesItem

namespace OutputRawRecord {
inline constexpr field_number output_type = 1;
inline constexpr field_number timestamp = 2;
inline constexpr field_number line = 3;
}  // namespace OutputRawRecord
// clang-format on

/// MetricRecord.goal values (enum MetricRecord.MetricGoal).
inline constexpr int metric_goal_minimize = 1;
inline constexpr int metric_goal_maximize = 2;

/// FilesItem.PolicyType / FilesItem.FileType, OutputRawRecord.OutputType values.
inline constexpr int files_policy_now = 0;
inline constexpr int files_policy_end = 1;
inline constexpr int file_type_wandb = 1;
inline constexpr int output_stderr = 0;
inline constexpr int output_stdout = 1;

}  // namespace vitals::detail::wandb_fields
