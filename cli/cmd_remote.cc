// hangar remote add|set-url|remove|list, clone, fetch, fetch-data, push: the CLI over remote/.
#include <hangar/error.h>
#include <hangar/remote/operations.h>
#include <hangar/remote/selection.h>
#include <hangar/remote_config.h>

#include <algorithm>
#include <map>
#include <memory>

#include "context.h"
#include "output.h"
#include "parse.h"
#include "phase_progress.h"
#include "remote_flags.h"

namespace hangar::cli {
namespace {

// Data selectors shared by clone and fetch-data (strings until parsed at run time).
struct SelectorArgs {
  bool no_data = false;
  std::vector<std::string> columns;
  std::vector<std::string> keys;
  std::optional<std::string> max_bytes;
  std::optional<double> fraction;
  std::uint64_t seed = 0;
  std::optional<std::string> stratify;
  bool all_history = false;

  remote::DataSelection selection() const {
    remote::DataSelection s;
    s.none = no_data;
    s.columns = columns;
    if (!keys.empty()) s.keys = parse_keys(split_key_list(keys), "--keys");
    if (max_bytes) {
      if (auto percent = parse_percent(*max_bytes)) {
        s.max_percent = *percent;
      } else {
        s.max_bytes = parse_size(*max_bytes);
      }
    }
    if (fraction && !(*fraction > 0.0 && *fraction <= 1.0))
      throw UsageError("--fraction must be greater than 0 and at most 1");
    if (stratify && !fraction && !max_bytes)
      throw UsageError("--stratify needs --fraction F or --max-bytes N (the share of each class)");
    s.stratify = stratify;
    s.fraction = fraction;
    s.seed = seed;
    s.all_history = all_history;
    return s;
  }
};

void add_selectors(CLI::App& cmd, SelectorArgs& a, bool history) {
  cmd.add_option("--columns", a.columns, "only these columns (A,B)")->delimiter(',');
  cmd.add_option("--keys", a.keys, "only these sample keys (A,B; '\\,' is a comma in a key)");
  cmd.add_option("--max-bytes", a.max_bytes,
                 "budget for all selected columns together: whole samples (a key in every "
                 "column) in key order while the bytes stored and the bytes received both stay "
                 "<= N (200M, 1.5G), or N% of the selected samples' raw bytes (10%); the "
                 "handshake, history and labels received first count too")
      ->type_name("N|P%");
  cmd.add_option("--fraction", a.fraction, "a seeded random fraction of the keys");
  auto* stratify = cmd.add_option("--stratify", a.stratify,
                                  "LABEL column: the same share of every class (round(F*n) keys "
                                  "per class with --fraction, "
                                  "a share of --max-bytes in proportion to its size); LABEL's "
                                  "missing chunks are fetched "
                                  "and stored first and count against --max-bytes")
                       ->type_name("LABEL");
  cmd.add_option("--seed", a.seed, "seed for --fraction and --stratify (default 0)");
  if (history)
    stratify->excludes(
        cmd.add_flag("--all-history", a.all_history, "samples of every earlier commit too"));
}

Json selection_json(const remote::SelectionReport& s) {
  return Json{{"units", s.units},
              {"samples", s.samples},
              {"nbytes", s.nbytes},
              {"units_left", s.units_left},
              {"samples_left", s.samples_left},
              {"nbytes_left", s.nbytes_left},
              {"max_bytes", s.budget ? Json(*s.budget) : Json(nullptr)},
              {"label_chunks", s.label_chunks}};
}

// "took 120 keys (240 samples, 1.4 MiB) within --max-bytes 2 MiB; left on the remote: 880
// keys (1760 samples, 10 MiB)"
void print_selection(std::ostream& out, const remote::SelectionReport& s) {
  out << "took " << plural(s.units, "key") << " (" << plural(s.samples, "sample") << ", "
      << human_bytes(s.nbytes) << ")";
  if (s.budget) out << " within --max-bytes " << human_bytes(*s.budget);
  out << "; left on the remote: " << plural(s.units_left, "key") << " ("
      << plural(s.samples_left, "sample") << ", " << human_bytes(s.nbytes_left) << ")";
  if (s.label_chunks) out << "; fetched " << plural(s.label_chunks, "label chunk") << " first";
  out << '\n';
}

Json stats_json(const remote::TransferStats& s) {
  return Json{{"objects", s.objects},
              {"chunks", s.chunks},
              {"bytes_received", s.bytes_received},
              {"bytes_sent", s.bytes_sent}};
}

void merge_into(Json& doc, const Json& more) {
  for (auto it = more.begin(); it != more.end(); ++it) doc[it.key()] = it.value();
}

// [{"name": "v1", "commit": "..."}] for the tags a clone or fetch created.
Json tags_json(const std::vector<remote::RefChange>& tags) {
  Json out = Json::array();
  for (const auto& c : tags) out.push_back(Json{{"name", c.name}, {"commit", c.new_commit.hex()}});
  return out;
}

std::string short_or(const std::optional<Digest>& d, const char* none) {
  return d ? d->short_hex() : std::string(none);
}

// ---- remote add | remove | list ----

// --insecure marks an https:// remote: commands and lazy reads then skip its certificate checks.
void check_insecure_url(const std::string& url, bool insecure) {
  // http:// too: a server whose data lives in an object store hands out https:// URLs to it.
  if (insecure && !url.starts_with("https://") && !url.starts_with("http://") &&
      !url.starts_with("s3://"))
    throw UsageError(
        "--insecure is for https://, http:// and s3:// remotes (TLS to the server "
        "or to its object store), and '" +
        url + "' is not one");
}

std::string insecure_note(bool insecure) {
  return insecure ? " (insecure: its TLS certificate is not verified)" : "";
}

struct RemoteUrlArgs {
  std::string name;
  std::string url;
  bool insecure = false;
};

void run_remote_add(Context& ctx, const RemoteUrlArgs& a) {
  check_insecure_url(a.url, a.insecure);
  Repository repo = ctx.open(Repository::Mode::Write);
  transfer::add_remote(repo, a.name, a.url);
  if (a.insecure) transfer::set_remote_insecure(repo, a.name, true);
  if (ctx.json) {
    print_json(ctx.out, Json{{"name", a.name}, {"url", a.url}, {"insecure", a.insecure}});
  } else {
    ctx.out << "added remote " << a.name << " -> " << a.url << insecure_note(a.insecure) << '\n';
  }
}

void run_remote_remove(Context& ctx, const std::string& name) {
  Repository repo = ctx.open(Repository::Mode::Write);
  const std::string url = remote::remote_url(repo, name);
  transfer::remove_remote(repo, name);
  if (ctx.json) {
    print_json(ctx.out, Json{{"name", name}, {"url", url}});
  } else {
    ctx.out << "removed remote " << name << " (" << url << ")\n";
  }
}

// The new URL is verified unless --insecure is given again.
void run_remote_set_url(Context& ctx, const RemoteUrlArgs& a) {
  check_insecure_url(a.url, a.insecure);
  Repository repo = ctx.open(Repository::Mode::Write);
  const std::string old_url = remote::remote_url(repo, a.name);
  transfer::set_remote_url(repo, a.name, a.url);
  transfer::set_remote_insecure(repo, a.name, a.insecure);
  if (ctx.json) {
    print_json(
        ctx.out,
        Json{{"name", a.name}, {"url", a.url}, {"old_url", old_url}, {"insecure", a.insecure}});
  } else {
    ctx.out << "remote " << a.name << " -> " << a.url << " (was " << old_url << ")"
            << insecure_note(a.insecure) << '\n';
  }
}

void run_remote_list(Context& ctx) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const auto all = transfer::remotes(repo);
  if (ctx.json) {
    Json doc = Json::array();
    for (const auto& r : all) {
      Json branches = Json::array();
      for (const auto& b : transfer::remote_branches(repo, r.name))
        branches.push_back(Json{{"name", b.name}, {"commit", b.commit.hex()}});
      doc.push_back(
          Json{{"name", r.name}, {"url", r.url}, {"insecure", r.insecure}, {"branches", branches}});
    }
    print_json(ctx.out, doc);
    return;
  }
  // Each remote, then its remote-tracking branches indented under it, in one aligned table.
  Table table;
  for (const auto& r : all) {
    table.add({r.name, r.url + insecure_note(r.insecure)});
    for (const auto& b : transfer::remote_branches(repo, r.name))
      table.add({"  " + b.name, b.commit.short_hex()});
  }
  table.print(ctx.out);
}

// ---- clone ----

struct CloneArgs {
  std::string url;
  std::string dir;
  std::optional<std::string> branch;
  SelectorArgs data;
  bool lazy = false;
  RemoteFlags remote;
  std::optional<std::string> user_name;
  std::optional<std::string> user_email;
};

void run_clone(Context& ctx, const CloneArgs& a) {
  remote::CloneOptions o;
  o.url = a.url;
  o.dir = a.dir;
  o.branch = a.branch;
  o.data = a.data.selection();
  o.lazy = a.lazy;
  o.user = UserIdentity{a.user_name.value_or(""), a.user_email.value_or("")};
  o.transport = a.remote.transport();
  PhaseProgress progress(ctx, "clone");
  o.progress = progress.callback();
  const remote::CloneResult r = remote::clone(o);
  progress.finish();
  if (ctx.json) {
    Json refs = Json::array();
    for (const auto& c : r.refs)
      refs.push_back(Json{{"name", c.name}, {"commit", c.new_commit.hex()}});
    Json doc{{"dir", r.dir.string()},   {"url", a.url},
             {"branch", r.branch},      {"head", report::digest_json(r.head)},
             {"remote_branches", refs}, {"samples", r.samples},
             {"lazy", a.lazy},          {"older_chunks_not_local", r.older_chunks_not_local}};
    doc["tags"] = tags_json(r.tags);
    doc["selection"] = selection_json(r.selection);
    merge_into(doc, stats_json(r.stats));
    print_json(ctx.out, doc);
    return;
  }
  ctx.out << "cloned " << a.url << " into " << r.dir.string() << " (branch " << r.branch << " at "
          << short_or(r.head, "no commits") << "): " << plural(r.stats.objects, "object") << ", "
          << plural(r.stats.chunks, "chunk") << ", " << human_bytes(r.stats.bytes_received) << '\n';
  if (!r.tags.empty()) ctx.out << "  with " << plural(r.tags.size(), "tag") << '\n';
  if (r.head && !a.data.no_data) print_selection(ctx.out, r.selection);
  if (r.older_chunks_not_local > 0)
    ctx.out << "note: the data of older commits is not local ("
            << plural(r.older_chunks_not_local, "chunk") << " only they use); 'hangar -C "
            << r.dir.string() << " fetch-data origin --all-history' fetches it\n";
}

// ---- fetch | fetch-data | push ----

constexpr const char* kRemoteHelp = "remote name (default: the clone's remote, or the only one)";

struct FetchArgs {
  std::string remote;
  std::optional<std::string> branch;
  bool prune = false;
  RemoteFlags flags;
};

void run_fetch(Context& ctx, FetchArgs a) {
  Repository repo = ctx.open(Repository::Mode::Write);
  a.remote = remote_or_default(repo, a.remote);
  remote::FetchOptions o{a.remote, a.branch, a.flags.transport(), {}, a.prune};
  PhaseProgress progress(ctx, "fetch");
  o.progress = progress.callback();
  const remote::FetchResult r = remote::fetch(repo, o);
  progress.finish();
  if (ctx.json) {
    Json updated = Json::array();
    for (const auto& c : r.updated) {
      updated.push_back(Json{{"name", c.name},
                             {"old", report::digest_json(c.old_commit)},
                             {"new", c.new_commit.hex()}});
    }
    Json doc{{"remote", a.remote}, {"updated", updated}, {"pruned", r.pruned}};
    doc["tags"] = tags_json(r.tags);
    Json kept = Json::array();
    for (const auto& c : r.tags_kept)
      kept.push_back(
          Json{{"name", c.name}, {"commit", c.old_commit->hex()}, {"remote", c.new_commit.hex()}});
    doc["tags_kept"] = kept;
    merge_into(doc, stats_json(r.stats));
    print_json(ctx.out, doc);
    return;
  }
  if (r.updated.empty() && r.pruned.empty() && r.tags.empty() && r.tags_kept.empty())
    ctx.out << "already up to date with " << a.remote << '\n';
  for (const auto& c : r.updated)
    ctx.out << "  " << short_or(c.old_commit, "(new)") << " -> " << c.new_commit.short_hex() << "  "
            << c.name << '\n';
  for (const auto& p : r.pruned) ctx.out << "  (deleted)" << std::string(21, ' ') << p << '\n';
  for (const auto& c : r.tags)
    ctx.out << "  (new tag)  " << c.new_commit.short_hex() << "  " << c.name << '\n';
  for (const auto& c : r.tags_kept)
    ctx.out << "  warning: kept tag " << c.name << " at " << c.old_commit->short_hex() << "; "
            << a.remote << " has it at " << c.new_commit.short_hex()
            << " (delete it with 'hangar tag -d " << c.name << "' and fetch to take theirs)\n";
}

struct FetchDataArgs {
  std::string remote;
  std::optional<std::string> ref;
  SelectorArgs data;
  RemoteFlags flags;
};

void run_fetch_data(Context& ctx, FetchDataArgs a) {
  Repository repo = ctx.open(Repository::Mode::Write);
  a.remote = remote_or_default(repo, a.remote);
  remote::FetchDataOptions o{a.remote, a.ref, a.data.selection(), a.flags.transport(), {}};
  PhaseProgress progress(ctx, "fetch-data");
  o.progress = progress.callback();
  const remote::FetchDataResult r = remote::fetch_data(repo, o);
  progress.finish();
  if (ctx.json) {
    Json doc{{"remote", a.remote},
             {"commit", r.commit.hex()},
             {"samples", r.samples},
             {"chunks_selected", r.chunks_selected},
             {"chunks_missing", r.chunks_missing},
             {"chunks_unavailable", r.chunks_unavailable},
             {"completed_clone", r.completed_clone}};
    doc["selection"] = selection_json(r.selection);
    merge_into(doc, stats_json(r.stats));
    print_json(ctx.out, doc);
    return;
  }
  const std::uint64_t already = r.chunks_selected - r.chunks_missing;
  ctx.out << "fetched " << plural(r.stats.chunks, "chunk") << " ("
          << human_bytes(r.stats.bytes_received) << ") for " << plural(r.samples, "selected sample")
          << " at " << r.commit.short_hex() << "; " << already << (already == 1 ? " was" : " were")
          << " already local\n";
  print_selection(ctx.out, r.selection);
  if (r.chunks_unavailable > 0)
    ctx.out << "warning: " << plural(r.chunks_unavailable, "chunk")
            << (r.chunks_unavailable == 1 ? " is" : " are") << " not on " << a.remote
            << " either\n";
  if (r.completed_clone) ctx.out << "the interrupted clone is complete now\n";
}

struct PushArgs {
  std::string remote;
  std::optional<std::string> branch;
  bool force = false;
  bool tags = false;
  RemoteFlags flags;
};

void print_tag_push(Context& ctx, const PushArgs& a, const remote::PushResult& r) {
  if (ctx.json) {
    Json tags = Json::array();
    for (const auto& c : r.tags)
      tags.push_back(Json{{"name", c.name},
                          {"old", report::digest_json(c.old_commit)},
                          {"new", c.new_commit.hex()},
                          {"result", c.old_commit == c.new_commit ? "up-to-date"
                                     : c.old_commit               ? "forced"
                                                                  : "created"}});
    Json doc{{"remote", a.remote}, {"tags", tags}, {"result", r.result}};
    merge_into(doc, stats_json(r.stats));
    print_json(ctx.out, doc);
    return;
  }
  if (r.tags.empty()) ctx.out << "no tags to push\n";
  for (const auto& c : r.tags) {
    ctx.out << "pushed tag " << c.name << " to " << a.remote << ": "
            << (c.old_commit == c.new_commit ? "up-to-date"
                : c.old_commit               ? "forced (" + c.old_commit->short_hex() + " -> " +
                                     c.new_commit.short_hex() + ")"
                               : "created (" + c.new_commit.short_hex() + ")")
            << '\n';
  }
  if (r.result != "up-to-date")
    ctx.out << r.stats.objects << " objects, " << r.stats.chunks << " chunks sent\n";
}

void run_push(Context& ctx, PushArgs a) {
  Repository repo = ctx.open(Repository::Mode::Write);
  a.remote = remote_or_default(repo, a.remote);
  remote::PushOptions o{a.remote, a.branch, a.force, a.flags.transport(), {}, {}};
  if (a.tags) {
    if (a.branch) throw UsageError("--tags pushes every tag and takes no BRANCH");
    for (const TagInfo& t : repo.tags()) o.tags.push_back(t.name);
    if (o.tags.empty())
      fail(ErrorCode::NotFound, "no tags to push; create one with 'hangar tag NAME'");
  } else if (a.branch && !repo.find_branch(*a.branch)) {
    const std::vector<TagInfo> tags = repo.tags();
    if (std::any_of(tags.begin(), tags.end(),
                    [&](const TagInfo& t) { return t.name == *a.branch; })) {
      o.tags.push_back(*a.branch);  // push REMOTE TAG, as git does
      o.branch.reset();
    }
  }
  PhaseProgress progress(ctx, "push");
  o.progress = progress.callback();
  const remote::PushResult r = remote::push(repo, o);
  progress.finish();
  if (!o.tags.empty()) {
    print_tag_push(ctx, a, r);
    return;
  }
  if (ctx.json) {
    Json doc{{"remote", a.remote},
             {"branch", r.branch},
             {"old", report::digest_json(r.old_commit)},
             {"new", r.new_commit.hex()},
             {"result", r.result}};
    merge_into(doc, stats_json(r.stats));
    print_json(ctx.out, doc);
    return;
  }
  ctx.out << "pushed " << r.branch << " to " << a.remote << ": " << r.result << " ("
          << short_or(r.old_commit, "new") << " -> " << r.new_commit.short_hex() << "), "
          << r.stats.objects << " objects, " << r.stats.chunks << " chunks\n";
}

}  // namespace

void register_remote_commands(CLI::App& app, Context& ctx) {
  CLI::App* remote = app.add_subcommand("remote", "list, add, re-point or remove remotes");
  remote->require_subcommand(1);
  constexpr const char* kInsecureRemote =
      "https:// only: never verify this remote's TLS certificate (remote.NAME.insecure; every "
      "command and lazy read); rather trust its CA with SSL_CERT_FILE=CA.pem";
  auto add = std::make_shared<RemoteUrlArgs>();
  CLI::App* add_cmd =
      remote->add_subcommand("add", "add a remote NAME at URL (http://, https:// or a path)");
  add_cmd->add_option("NAME", add->name, "remote name")->required();
  add_cmd->add_option("URL", add->url, "http[s]://HOST:PORT or a repository path")->required();
  add_cmd->add_flag("--insecure", add->insecure, kInsecureRemote);
  add_json_flag(*add_cmd, ctx);
  on_run(*add_cmd, ctx, [&ctx, add] { run_remote_add(ctx, *add); });
  auto rm = std::make_shared<std::string>();
  CLI::App* rm_cmd = remote->add_subcommand("remove", "remove a remote and its tracking branches");
  rm_cmd->add_option("NAME", *rm, "remote name")->required();
  add_json_flag(*rm_cmd, ctx);
  on_run(*rm_cmd, ctx, [&ctx, rm] { run_remote_remove(ctx, *rm); });
  auto set = std::make_shared<RemoteUrlArgs>();
  CLI::App* set_cmd = remote->add_subcommand("set-url", "point remote NAME at another URL");
  set_cmd->add_option("NAME", set->name, "remote name")->required();
  set_cmd->add_option("URL", set->url, "http[s]://HOST:PORT or a repository path")->required();
  set_cmd->add_flag("--insecure", set->insecure,
                    std::string(kInsecureRemote) + "; without it the new URL is verified");
  add_json_flag(*set_cmd, ctx);
  on_run(*set_cmd, ctx, [&ctx, set] { run_remote_set_url(ctx, *set); });
  CLI::App* list = remote->add_subcommand("list", "remotes with their remote-tracking branches");
  add_json_flag(*list, ctx);
  on_run(*list, ctx, [&ctx] { run_remote_list(ctx); });

  auto c = std::make_shared<CloneArgs>();
  CLI::App* clone = app.add_subcommand("clone", "copy a repository (all or part of its data)");
  clone->add_option("URL", c->url, "http[s]://HOST:PORT, s3://BUCKET/PREFIX or a repository path")
      ->required();
  clone->add_option("DIR", c->dir, "new folder (default: the remote's name)");
  clone->add_option("-b,--branch", c->branch, "branch to check out (default: the remote's HEAD)");
  auto* no_data = clone->add_flag("--no-data", c->data.no_data, "history only, no sample data");
  add_selectors(*clone, c->data, false);
  clone->add_flag("--lazy", c->lazy,
                  "read samples that are not local from the remote on demand (sets config "
                  "fetch.lazy); with no other selector, no data is fetched up front");
  for (const char* other : {"--columns", "--keys", "--max-bytes", "--fraction", "--stratify"})
    no_data->excludes(clone->get_option(other));
  add_remote_flags(*clone, c->remote);
  clone->add_option("--user-name", c->user_name, "author name for commits in the clone");
  clone->add_option("--user-email", c->user_email, "author email for commits in the clone");
  clone->get_option("--insecure")
      ->description(clone->get_option("--insecure")->get_description() +
                    "; recorded for origin (remote.origin.insecure)");
  add_json_flag(*clone, ctx);
  on_run_interruptible(*clone, ctx, [&ctx, c] { run_clone(ctx, *c); });

  auto f = std::make_shared<FetchArgs>();
  CLI::App* fetch = app.add_subcommand("fetch", "bring a remote's history (no data)");
  fetch->add_option("REMOTE", f->remote, kRemoteHelp);
  auto* only = fetch->add_option("BRANCH", f->branch, "only this branch");
  fetch
      ->add_flag("-p,--prune", f->prune, "delete remote-tracking branches the remote no longer has")
      ->excludes(only);
  add_remote_flags(*fetch, f->flags);
  add_json_flag(*fetch, ctx);
  on_run_interruptible(*fetch, ctx, [&ctx, f] { run_fetch(ctx, *f); });

  auto d = std::make_shared<FetchDataArgs>();
  CLI::App* fd = app.add_subcommand("fetch-data", "bring sample data that is not local yet");
  fd->add_option("REMOTE", d->remote, kRemoteHelp);
  fd->add_option("REF", d->ref, revision_help("HEAD"));
  add_selectors(*fd, d->data, true);
  add_remote_flags(*fd, d->flags);
  add_json_flag(*fd, ctx);
  on_run_interruptible(*fd, ctx, [&ctx, d] { run_fetch_data(ctx, *d); });

  auto p = std::make_shared<PushArgs>();
  CLI::App* push = app.add_subcommand("push", "send a branch to a remote");
  push->add_option("REMOTE", p->remote, kRemoteHelp);
  push->add_option("BRANCH", p->branch,
                   "branch (default: the current one); a tag name (not a branch) pushes that tag");
  push->add_flag("--tags", p->tags,
                 "push every tag (a tag the remote has elsewhere needs --force)");
  push->add_flag("-f,--force", p->force,
                 "replace the remote branch even if not a fast-forward (or move a remote tag)");
  add_remote_flags(*push, p->flags);
  add_json_flag(*push, ctx);
  on_run_interruptible(*push, ctx, [&ctx, p] { run_push(ctx, *p); });
}

}  // namespace hangar::cli
