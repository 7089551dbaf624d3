// A file that includes every sinks header and uses none of them (issue #15 item 2): compiling it
// must not instantiate any backend's writer. sinks_include_only_no_wandb checks its object file
// with nm: no vitals::wandb_sink, leveldb_log_writer or tensorboard code may be in it. Before
// registration by use, an inline variable in sinks/wandb/registration.hpp compiled the whole W&B
// writer into every such file.
#include <vitals/sinks.hpp>

int sinks_include_only_marker() { return 0; }
