// addon.cc — the Node addon: a thin node-addon-api layer over the core.
//
//   JS (node/backend.ts)  --map and view handles-->  core (map.c, view.c)  --> posix.c
//
// It has no semantics of its own: argument rules live in TypeScript, file and
// view rules in the core. What it adds is ownership across the GC boundary.
//
// Maps and views are handles: numbers that index this environment's tables
// (index plus a generation, so a handle used after close is ECLOSED, never
// another object). Closing a handle releases everything of ours at once; no
// native object waits for the garbage collector, so a program that maps and
// closes in a tight loop holds no native memory for what it closed. A map
// that JavaScript drops without closing is released by a finalizer on the JS
// object that holds its handle; a view, by its buffer's finalizer.
//
// A view's pages are one external ArrayBuffer (zero copy), which can outlive
// the view's handle (user code keeps `bytes`) and can even be moved into
// another ArrayBuffer by user code (transfer(), transferToFixedLength()):
//   - viewClose() detaches the buffer. If the memory is still in it (the
//     usual case), nothing in JavaScript can reach the pages any more, and
//     the view is unmapped at once. If user code moved the memory out first,
//     the view is retired instead (mm_view_retire: the file's pages are
//     released and inert zero pages take their place at the same addresses),
//     so the moved buffer reads and writes the inert pages, never the closed
//     file or a mapping made later at those addresses;
//   - the addresses of a retired view, and a view that was never closed, are
//     unmapped by the buffer's finalizer, which Node runs when the memory's
//     last ArrayBuffer is collected (so a view dropped without close() stays
//     mapped for as long as user code keeps its bytes).
// The mm_view lives in a ViewBox shared by the handle table and the buffer's
// finalizer, freed by whichever lets go last.
//
// Waits (sync.h) go through the core with the view's handle, never an
// address from JS: viewWait blocks this thread in the kernel, viewWaitAsync
// hands the wait to the hub of waiter threads (wait-hub.h), and viewClose
// settles a view's pending waits (ECLOSED) before its pages go.
//
// Errors cross into JS in exactly one place, CoreError(), which calls the
// error factory the TypeScript layer registered with setErrorFactory(), with
// the name from the core's MM_ERRNO_MAP.
#include <napi.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "wait-hub.h"

extern "C" {
#include "mm/errors.h"
#include "mm/map.h"
#include "mm/sync.h"
#include "mm/view.h"
}

namespace {

struct Tables;

struct ViewBox {
  mm_view view;
  int refs;                       // the handle's, the buffer finalizer's, one per flush or prefetch in flight
  int flushing;                   // flushes in flight on the thread pool (viewFlushAsync)
  int end_pending;                // what a close asked for while they ran: kEndClose or kEndRetire
  int prefetches;                 // prefetches on the thread pool (main thread only)
  std::atomic<bool> stop;         // set when the view ends: a running prefetch stops early
  double handle;                  // the view's handle while it is open, else -1
  std::shared_ptr<Tables> tables; // where that handle is
};

// ViewBoxes alive in the process: open views, and buffers not yet finalized.
std::atomic<long> live_boxes{0};

ViewBox* NewBox() {
  live_boxes++;
  return new ViewBox{};
}

void DeleteBox(ViewBox* box) {
  live_boxes--;
  delete box;
}

// How a view ends once its flushes in flight are done (ViewBox::end_pending).
constexpr int kEndNone = 0, kEndClose = 1, kEndRetire = 2;

// Ends a view whose pages JavaScript can no longer reach: now (kEndClose:
// unmaps; kEndRetire: inert pages), or, while a flush on the thread pool
// still reads its pages, when the last one is done, so that the flush never
// meets unmapped or inert pages and what was written before a close is on
// the storage when the flush reports success. A prefetch still touching the
// pages stops early and must find mapped memory: the view is then retired
// (inert pages at the same addresses) and the last ReleaseBox, when the
// prefetch is done, releases the range.
void EndView(ViewBox* box, int how) {
  box->stop = true;
  if (box->flushing > 0) {
    if (box->end_pending != kEndClose) box->end_pending = how;
    return;
  }
  int os_errno = 0;
  if (how == kEndRetire || box->prefetches > 0) mm_view_retire(&box->view, &os_errno);
  else mm_view_close(&box->view);
}

void ReleaseBox(ViewBox* box) {
  if (--box->refs == 0) {
    mm_view_close(&box->view);
    DeleteBox(box);
  }
}

// A table of live objects of one kind, addressed by handle: index + slot
// generation * 2^22, a safe integer. Freed slots are reused with a new
// generation, so an old handle never names a new object.
template <typename T>
class Handles {
 public:
  static constexpr double kIndexSpan = 4194304.0;  // 2^22

  double Add(T* object) {
    uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      index = static_cast<uint32_t>(slots_.size());
      slots_.push_back(Slot{});
    }
    slots_[index].object = object;
    live_++;
    return static_cast<double>(slots_[index].generation) * kIndexSpan + index;
  }

  // The object of a live handle, else nullptr.
  T* Get(double handle) const {
    if (!(handle >= 0) || handle > 9007199254740991.0 || std::floor(handle) != handle) return nullptr;
    double generation = std::floor(handle / kIndexSpan);
    double index = handle - generation * kIndexSpan;
    if (index >= static_cast<double>(slots_.size())) return nullptr;
    const Slot& slot = slots_[static_cast<size_t>(index)];
    if (slot.object == nullptr || slot.generation != generation) return nullptr;
    return slot.object;
  }

  // Takes the object out of a live handle (nullptr if none); the handle is dead afterwards.
  T* Take(double handle) {
    T* object = Get(handle);
    if (object == nullptr) return nullptr;
    Slot& slot = slots_[static_cast<size_t>(handle - std::floor(handle / kIndexSpan) * kIndexSpan)];
    slot.object = nullptr;
    slot.generation++;
    free_.push_back(static_cast<uint32_t>(&slot - slots_.data()));
    live_--;
    return object;
  }

  // Takes every live object out (environment teardown).
  template <typename F>
  void Drain(F release) {
    for (Slot& slot : slots_) {
      if (slot.object != nullptr) release(slot.object);
      slot.object = nullptr;
    }
    live_ = 0;
  }

  size_t live() const { return live_; }

 private:
  struct Slot {
    T* object = nullptr;
    double generation = 0;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

// The handles of one environment (the main thread, or a worker). Finalizers
// hold them too: Node may run a buffer's or an object's finalizer after the
// environment's instance data is gone (teardown of a worker), and then they
// find the tables drained, never freed memory.
struct Tables {
  Handles<mm_map> maps;
  Handles<ViewBox> views;
  // Set once the environment's thread can run no more JavaScript (a worker
  // being terminated, the process exiting): its prefetches stop at their next
  // slice (see EnvEnding). Read on the thread pool.
  std::atomic<bool> ending{false};
  // A prefetch's question to the JS thread is queued and not yet answered.
  std::atomic<bool> probing{false};
};

struct AddonData {
  napi_env env;
  Napi::FunctionReference error_factory;
  // A function that does nothing: calling it fails once the thread is being terminated.
  Napi::FunctionReference noop;
  std::shared_ptr<Tables> tables = std::make_shared<Tables>();
  // How a prefetch on the thread pool asks whether this thread still runs JavaScript; made by the first prefetch.
  napi_threadsafe_function probe = nullptr;

  explicit AddonData(napi_env e) : env(e) {}

  ~AddonData() {
    memmap::DropWaits(env);  // the hub stops looking at words before the views unmap
    tables->maps.Drain([](mm_map* map) { mm_map_free(map); });
    tables->views.Drain([](ViewBox* box) {
      box->handle = -1;
      ReleaseBox(box);
    });
  }
};

// What a map's owner finalizer needs: its handle, and the tables it is in.
struct MapHold {
  std::shared_ptr<Tables> tables;
  double handle;
};

AddonData* Data(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

// The message is the core's detail of the failure when it gave one (see
// mm_error_detail; pass `detail` only right after a call that sets it), else
// the code's message; then the context of this call.
Napi::Value CoreError(Napi::Env env, int code, int os_errno, const std::string& context,
                      const char* detail = "") {
  AddonData* data = Data(env);
  std::string message = std::string(detail[0] != '\0' ? detail : mm_strerror(code)) +
                        (context.empty() ? "" : ", " + context);
  if (data != nullptr && !data->error_factory.IsEmpty()) {
    return data->error_factory.Call(
        {Napi::String::New(env, mm_err_name(code)), Napi::String::New(env, message),
         Napi::Number::New(env, os_errno)});
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, mm_err_name(code)));
  return err.Value();
}

[[noreturn]] void ThrowCore(Napi::Env env, int code, int os_errno, const std::string& context,
                            const char* detail = "") {
  throw Napi::Error(env, CoreError(env, code, os_errno, context, detail));
}

napi_value WaitError(Napi::Env env, int code) { return CoreError(env, code, 0, "waitAsync"); }

// Reads a non-negative safe integer argument (the TypeScript layer has
// validated it; this guards the boundary against misuse of the raw addon).
uint64_t U64Arg(const Napi::CallbackInfo& info, size_t i) {
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v > 9007199254740991.0 || std::floor(v) != v)
    ThrowCore(info.Env(), MM_EINVAL, 0, "argument " + std::to_string(i) + " is not a safe integer");
  return static_cast<uint64_t>(v);
}

int EnumArg(const Napi::CallbackInfo& info, size_t i, int count) {
  int v = info[i].As<Napi::Number>().Int32Value();
  if (v < 0 || v >= count) ThrowCore(info.Env(), MM_EINVAL, 0, "bad enum argument");
  return v;
}

double HandleArg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().DoubleValue();
}

mm_map* LiveMap(const Napi::CallbackInfo& info) {
  mm_map* map = Data(info.Env())->tables->maps.Get(HandleArg(info, 0));
  if (map == nullptr) ThrowCore(info.Env(), MM_ECLOSED, 0, "the map is closed");
  return map;
}

// The context of an EACCES on a named map: whose object the name is, so the
// user can tell a planted object from a permission problem of their own.
std::string Untrusted(const std::string& name) {
  mm_shared_owner_info who;
  std::string what = "shared map '" + name + "'";
  if (mm_shared_owner(name.c_str(), &who) != 0) return what;
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(who.mode));
  std::string owner = std::to_string(who.uid);
  if (who.user[0] != '\0') owner += " (" + std::string(who.user) + ")";
  return what + " is owned by user " + owner + " with mode " + octal +
         "; memmap joins only objects of its own user that grant no group or other access";
}

// The arguments of mapOpen and mapOpenAsync, read on the JS thread.
struct OpenArgs {
  int kind;              // 0: a file at `name` (named `map_name` when `named`); 1: shared memory
  bool anonymous;        // kind 1 with no name
  std::string name;      // the path, or the shared map's name
  bool named;            // kind 0 with a map name
  std::string map_name;
  int mode;
  uint64_t capacity;
  mm_access access;
};

OpenArgs ReadOpenArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpenArgs a;
  a.kind = EnumArg(info, 0, 2);
  a.anonymous = a.kind == 1 && info[1].IsNull();
  a.name = a.anonymous ? std::string() : info[1].As<Napi::String>().Utf8Value();
  if (a.name.find('\0') != std::string::npos) ThrowCore(env, MM_EINVAL, 0, "name contains a NUL byte");
  a.mode = EnumArg(info, 2, a.kind == 0 ? static_cast<int>(MM_MODE__COUNT) : static_cast<int>(MM_SHARED__COUNT));
  a.capacity = U64Arg(info, 3);
  a.access = static_cast<mm_access>(EnumArg(info, 4, MM_ACCESS__COUNT));
  a.named = a.kind == 0 && info[6].IsString();
  if (a.named) {
    a.map_name = info[6].As<Napi::String>().Utf8Value();
    if (a.map_name.find('\0') != std::string::npos) ThrowCore(env, MM_EINVAL, 0, "name contains a NUL byte");
  }
  return a;
}

// Opens the map (any thread): 0 and *out, or the core's code.
int OpenMap(const OpenArgs& a, mm_map** out, int* os_errno) {
  if (a.named)
    return mm_map_open_file_named(a.name.c_str(), static_cast<mm_mode>(a.mode), a.capacity, a.access,
                                  a.map_name.c_str(), out, os_errno);
  if (a.kind == 0) return mm_map_open_file(a.name.c_str(), static_cast<mm_mode>(a.mode), a.capacity, a.access, out, os_errno);
  return mm_map_open_shared(a.anonymous ? nullptr : a.name.c_str(), static_cast<mm_shared_mode>(a.mode), a.capacity,
                            a.access, out, os_errno);
}

// The error of a failed open (on the JS thread; `detail` is the core's, read where the open ran).
Napi::Value OpenError(Napi::Env env, const OpenArgs& a, int rc, int os_errno, const char* detail) {
  if (a.named) {
    if (rc == MM_EACCES && os_errno == 0) return CoreError(env, rc, os_errno, Untrusted(a.map_name), detail);
    return CoreError(env, rc, os_errno, "open '" + a.name + "' as map '" + a.map_name + "'", detail);
  }
  if (a.kind == 0) return CoreError(env, rc, os_errno, "open '" + a.name + "'", detail);
  if (rc == MM_EACCES && !a.anonymous) return CoreError(env, rc, os_errno, Untrusted(a.name), detail);
  return CoreError(env, rc, os_errno, a.anonymous ? "anonymous map" : "shared map '" + a.name + "'", detail);
}

// Gives an open map a handle held by `owner` -> [handle, capacity].
Napi::Value AdoptMap(Napi::Env env, mm_map* map, Napi::Object owner) {
  std::shared_ptr<Tables> tables = Data(env)->tables;
  double handle = tables->maps.Add(map);
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, handle));
  result.Set(1u, Napi::Number::New(env, static_cast<double>(mm_map_capacity(map))));
  owner.AddFinalizer(
      [](Napi::Env, MapHold* hold) {
        mm_map* dropped = hold->tables->maps.Take(hold->handle);  // nullptr once closed
        if (dropped != nullptr) mm_map_free(dropped);
        delete hold;
      },
      new MapHold{std::move(tables), handle});
  return result;
}

// mapOpen(kind, pathOrName, mode, capacity, access, owner, mapName) -> [handle, capacity]
//   kind 0: a persisted map of the file at path (mode: mm_mode), named mapName
//           unless it is null
//   kind 1: a shared map named name, or anonymous when name is null (mode: mm_shared_mode)
//   owner:  the JS object that holds the handle; if it is collected with the
//           map still open, the map is released then (a no-op after mapClose)
Napi::Value MapOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpenArgs a = ReadOpenArgs(info);
  mm_map* map = nullptr;
  int os_errno = 0;
  int rc = OpenMap(a, &map, &os_errno);
  if (rc < 0) throw Napi::Error(env, OpenError(env, a, rc, os_errno, mm_error_detail()));
  return AdoptMap(env, map, info[5].As<Napi::Object>());
}

// mapClose(handle): no new views; views already made keep the map's object. Idempotent.
Napi::Value MapClose(const Napi::CallbackInfo& info) {
  mm_map* map = Data(info.Env())->tables->maps.Take(HandleArg(info, 0));
  if (map != nullptr) mm_map_free(map);
  return info.Env().Undefined();
}

// mapView(handle, offset, size, access) -> [ArrayBuffer, pointerOffset, size, view handle, storesPrivate]
//   storesPrivate: whether a store through the buffer stays in the view's own
//   pages (mm_view.stores_private, as the platform mapped the view)
Napi::Value MapView(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  mm_map* map = LiveMap(info);
  uint64_t offset = U64Arg(info, 1);
  uint64_t size = U64Arg(info, 2);
  int access = EnumArg(info, 3, MM_ACCESS__COUNT);
  ViewBox* box = NewBox();
  int os_errno = 0;
  int rc = mm_view_open(map, offset, size, static_cast<mm_access>(access), &box->view, &os_errno);
  if (rc < 0) {
    DeleteBox(box);
    ThrowCore(env, rc, os_errno, "mmap");
  }
  // External ArrayBuffers are limited to Buffer's kMaxLength (4 GiB on 64-bit).
  if (box->view.length > 4294967296ull) {
    mm_view_close(&box->view);
    DeleteBox(box);
    ThrowCore(env, MM_ERANGE, 0, "a view can hold at most 4 GiB in Node; make several views");
  }
  AddonData* data = Data(env);
  Napi::ArrayBuffer ab;
  try {
    ab = Napi::ArrayBuffer::New(env, box->view.base, box->view.length,
                                [](Napi::Env, void*, ViewBox* b) {
                                  // The memory's last ArrayBuffer is gone: nothing can reach the range.
                                  // A view that was never closed ends here too (its handle with it).
                                  if (b->handle >= 0 && b->tables->views.Take(b->handle) == b) ReleaseBox(b);
                                  b->handle = -1;
                                  EndView(b, kEndClose);
                                  ReleaseBox(b);
                                },
                                box);
  } catch (...) {
    mm_view_close(&box->view);
    DeleteBox(box);
    throw;
  }
  box->refs = 2;
  Napi::Array result = Napi::Array::New(env, 5);
  result.Set(0u, ab);
  result.Set(1u, Napi::Number::New(env, static_cast<double>(box->view.pointer_offset)));
  result.Set(2u, Napi::Number::New(env, static_cast<double>(box->view.size)));
  box->tables = data->tables;
  box->handle = data->tables->views.Add(box);
  result.Set(3u, Napi::Number::New(env, box->handle));
  result.Set(4u, Napi::Boolean::New(env, box->view.stores_private != 0));
  return result;
}

ViewBox* LiveView(const Napi::CallbackInfo& info) {
  ViewBox* box = Data(info.Env())->tables->views.Get(HandleArg(info, 0));
  if (box == nullptr) ThrowCore(info.Env(), MM_ECLOSED, 0, "the view is closed");
  return box;
}

// viewFlush(handle, offset, length): the view's bytes [offset, offset + length), page-rounded.
Napi::Value ViewFlush(const Napi::CallbackInfo& info) {
  ViewBox* box = LiveView(info);
  int os_errno = 0;
  int rc = mm_view_flush_range(&box->view, U64Arg(info, 1), U64Arg(info, 2), &os_errno);
  if (rc < 0) ThrowCore(info.Env(), rc, os_errno, "msync");
  return info.Env().Undefined();
}

// Work for the libuv thread pool that settles a promise: Run() there, then,
// on the JS thread, the promise resolves with Result() or rejects with the
// core's error (its detail read on the thread that failed: it is per thread).
// Cleanup belongs in the destructor, which runs on the JS thread also when
// the environment is being torn down and no promise settles.
class CoreWork : public Napi::AsyncWorker {
 public:
  CoreWork(Napi::Env env, std::string context)
      : Napi::AsyncWorker(env, "memmap"), deferred_(Napi::Promise::Deferred::New(env)), context_(std::move(context)) {}

  Napi::Promise Start() {
    Napi::Promise promise = deferred_.Promise();
    Queue();
    return promise;
  }

 protected:
  virtual int Run(int* os_errno) = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

 private:
  void Execute() override {
    rc_ = Run(&os_errno_);
    if (rc_ < 0) detail_ = mm_error_detail();
  }
  // Nothing may throw out of these: a worker being terminated can run no JS
  // (every call fails), and then nobody is left to hear the outcome.
  void OnOK() override {
    try {
      if (rc_ < 0) {
        deferred_.Reject(CoreError(Env(), rc_, os_errno_, context_, detail_.c_str()));
        return;
      }
      try {
        deferred_.Resolve(Result(Env()));
      } catch (const Napi::Error& e) {
        deferred_.Reject(e.Value());
      }
    } catch (...) {
    }
  }
  void OnError(const Napi::Error& e) override {
    try {
      deferred_.Reject(e.Value());
    } catch (...) {
    }
  }

  Napi::Promise::Deferred deferred_;
  std::string context_;
  std::string detail_;
  int rc_ = 0;
  int os_errno_ = 0;
};

// viewAdvise(handle, advice, offset, length): advice.h's advice for a range of the view.
Napi::Value ViewAdvise(const Napi::CallbackInfo& info) {
  ViewBox* box = Data(info.Env())->tables->views.Get(HandleArg(info, 0));
  if (box == nullptr) ThrowCore(info.Env(), MM_ECLOSED, 0, "the view is closed");
  mm_advice advice = static_cast<mm_advice>(EnumArg(info, 1, MM_ADVICE__COUNT));
  int os_errno = 0;
  int rc = mm_view_advise(&box->view, advice, U64Arg(info, 2), U64Arg(info, 3), &os_errno);
  if (rc < 0) ThrowCore(info.Env(), rc, os_errno, "madvise");
  return info.Env().Undefined();
}

// Whether the environment is ending, as a prefetch on the thread pool can
// learn it. Node finishes an environment's thread-pool work before its
// cleanup hooks run, so a worker's terminate() (or the process's exit) would
// wait for every prefetch to page in its whole range. Instead, between its
// slices a prefetch queues a question to the JS thread (one at a time, by a
// threadsafe function that keeps no loop alive); Node still turns the loop
// while it waits for the work, and the answer, a call of a function that
// does nothing, fails once the thread can run no JavaScript: then the
// environment is ending and its prefetches stop.
void AnswerProbe(napi_env env, napi_value noop, void* context, void*) {
  Tables* tables = static_cast<std::shared_ptr<Tables>*>(context)->get();
  napi_value undefined, ignored;
  if (env == nullptr || noop == nullptr || napi_get_undefined(env, &undefined) != napi_ok ||
      napi_call_function(env, undefined, noop, 0, nullptr, &ignored) != napi_ok) {
    tables->ending = true;
  }
  tables->probing = false;
}

void ProbeFinalized(napi_env, void* context, void*) { delete static_cast<std::shared_ptr<Tables>*>(context); }

// Lets go of the probe before Node tears its threadsafe function down (hooks run newest first).
void ReleaseProbe(void* probe) {
  napi_release_threadsafe_function(static_cast<napi_threadsafe_function>(probe), napi_tsfn_abort);
}

// The environment's probe, made on first use.
napi_threadsafe_function ProbeOf(Napi::Env env, AddonData* data) {
  if (data->probe != nullptr) return data->probe;
  auto* context = new std::shared_ptr<Tables>(data->tables);
  if (napi_create_threadsafe_function(env, data->noop.Value(), nullptr, Napi::String::New(env, "memmap prefetch"), 0,
                                      1, context, ProbeFinalized, context, AnswerProbe, &data->probe) != napi_ok) {
    delete context;
    data->probe = nullptr;
    ThrowCore(env, MM_ENOMEM, 0, "prefetch");
  }
  napi_unref_threadsafe_function(env, data->probe);
  napi_add_env_cleanup_hook(env, ReleaseProbe, data->probe);
  return data->probe;
}

// From the thread pool: whether the prefetch of `tables`' environment must
// stop because the environment is ending (asking again when no question is
// pending; a probe that can no longer be queued means the same).
bool EnvEnding(Tables* tables, napi_threadsafe_function probe) {
  if (tables->ending) return true;
  if (!tables->probing.exchange(true) &&
      napi_call_threadsafe_function(probe, nullptr, napi_tsfn_nonblocking) != napi_ok) {
    tables->ending = true;
  }
  return tables->ending;
}

// A prefetch on the thread pool: mm_prefetch over the span in slices, so that
// closing the view, or the end of its environment (EnvEnding), stops it
// early. It holds a reference on the box (the mapping stays, retired at
// worst, see EndView) and on the view's buffer (whose finalizer would end
// the view).
class PrefetchWork : public Napi::AsyncWorker {
 public:
  PrefetchWork(Napi::Env env, ViewBox* box, void* addr, size_t span, Napi::ArrayBuffer buffer,
               napi_threadsafe_function probe)
      : Napi::AsyncWorker(env, "memmap.prefetch"), deferred_(Napi::Promise::Deferred::New(env)), box_(box),
        tables_(box->tables), probe_(probe), addr_(static_cast<uint8_t*>(addr)), span_(span),
        buffer_(Napi::Persistent(buffer)) {
    box_->refs++;
    box_->prefetches++;
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    const size_t slice = 4u << 20;
    for (size_t at = 0; at < span_ && rc_ == 0; at += slice) {
      if (box_->stop || EnvEnding(tables_.get(), probe_)) return;
      rc_ = mm_prefetch(addr_ + at, span_ - at < slice ? span_ - at : slice, &os_errno_);
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    bool stopped = box_->stop || tables_->ending;
    box_->prefetches--;
    ReleaseBox(box_);
    try {
      if (stopped) {
        // Its view closed, or its environment is ending and nobody is left to hear.
        deferred_.Reject(CoreError(env, MM_ECLOSED, 0, "the view closed during prefetch"));
      } else if (rc_ < 0) {
        deferred_.Reject(CoreError(env, rc_, os_errno_, "prefetch"));
      } else {
        deferred_.Resolve(env.Undefined());
      }
    } catch (const Napi::Error&) {
      // The thread is being terminated: no JavaScript runs any more, and nobody waits for the promise.
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  ViewBox* box_;
  std::shared_ptr<Tables> tables_;
  napi_threadsafe_function probe_;
  uint8_t* addr_;
  size_t span_;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  int rc_ = 0;
  int os_errno_ = 0;
};

// A flush of a view's range on the thread pool. It holds a reference on the
// view's box and counts as in flight, so a close meanwhile (viewClose, the
// buffer's finalizer, the environment's teardown) waits for it to end the
// mapping (EndView); the map's file stays open as long as the view is.
class FlushWork : public CoreWork {
 public:
  FlushWork(Napi::Env env, ViewBox* box, uint64_t offset, uint64_t length)
      : CoreWork(env, "msync"), box_(box), offset_(offset), length_(length) {
    box_->refs++;
    box_->flushing++;
  }
  ~FlushWork() override {
    if (--box_->flushing == 0 && box_->end_pending != kEndNone) {
      int how = box_->end_pending;
      box_->end_pending = kEndNone;
      EndView(box_, how);
    }
    ReleaseBox(box_);
  }

 protected:
  int Run(int* os_errno) override { return mm_view_flush_range(&box_->view, offset_, length_, os_errno); }

 private:
  ViewBox* box_;
  uint64_t offset_;
  uint64_t length_;
};

// viewFlushAsync(handle, offset, length) -> Promise<void>: viewFlush on the thread pool.
Napi::Value ViewFlushAsync(const Napi::CallbackInfo& info) {
  ViewBox* box = LiveView(info);
  uint64_t offset = U64Arg(info, 1), length = U64Arg(info, 2);
  if (offset > box->view.size || length > box->view.size - offset) ThrowCore(info.Env(), MM_ERANGE, 0, "flush range");
  return (new FlushWork(info.Env(), box, offset, length))->Start();
}

// mapOpen on the thread pool, for opens that can take long (a file grown by
// gigabytes on a file system without sparse files). Node finishes the
// environment's thread-pool work before it tears the environment down, so
// the map opened meanwhile is adopted or freed here, never lost.
class OpenWork : public CoreWork {
 public:
  OpenWork(Napi::Env env, OpenArgs args, Napi::Object owner)
      : CoreWork(env, "open"), args_(std::move(args)), owner_(Napi::Persistent(owner)) {}
  ~OpenWork() override {
    if (map_ != nullptr) mm_map_free(map_);  // not adopted: the promise could not settle
  }

 protected:
  // The open's own error is made in Result(): its message names the path or the name.
  int Run(int*) override {
    open_rc_ = OpenMap(args_, &map_, &open_errno_);
    if (open_rc_ < 0) detail_ = mm_error_detail();
    return 0;
  }
  Napi::Value Result(Napi::Env env) override {
    if (map_ == nullptr) throw Napi::Error(env, OpenError(env, args_, open_rc_, open_errno_, detail_.c_str()));
    mm_map* map = map_;
    map_ = nullptr;
    return AdoptMap(env, map, owner_.Value());
  }

 private:
  OpenArgs args_;
  Napi::ObjectReference owner_;
  mm_map* map_ = nullptr;
  std::string detail_;
  int open_rc_ = 0;
  int open_errno_ = 0;
};

// mapOpenAsync(same arguments as mapOpen) -> Promise<[handle, capacity]>.
Napi::Value MapOpenAsync(const Napi::CallbackInfo& info) {
  OpenArgs a = ReadOpenArgs(info);
  return (new OpenWork(info.Env(), std::move(a), info[5].As<Napi::Object>()))->Start();
}

// mapCapacity(handle) -> the capacity now (a named map's follows other holders' grows).
Napi::Value MapCapacity(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(mm_map_capacity(LiveMap(info))));
}

// mapGrow(handle, capacity) -> the new capacity.
Napi::Value MapGrow(const Napi::CallbackInfo& info) {
  mm_map* map = LiveMap(info);
  int os_errno = 0;
  int rc = mm_map_grow(map, U64Arg(info, 1), &os_errno);
  if (rc < 0) ThrowCore(info.Env(), rc, os_errno, "grow", mm_error_detail());
  return Napi::Number::New(info.Env(), static_cast<double>(mm_map_capacity(map)));
}

// A grow on the thread pool. The TypeScript layer makes no other call on the
// map until it settles (MemoryMappedFile keeps the map busy), and defers its
// close: the map is this work's alone meanwhile.
class GrowWork : public CoreWork {
 public:
  GrowWork(Napi::Env env, mm_map* map, uint64_t capacity) : CoreWork(env, "grow"), map_(map), capacity_(capacity) {}

 protected:
  int Run(int* os_errno) override { return mm_map_grow(map_, capacity_, os_errno); }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(mm_map_capacity(map_))); }

 private:
  mm_map* map_;
  uint64_t capacity_;
};

// mapGrowAsync(handle, capacity) -> Promise<the new capacity>.
Napi::Value MapGrowAsync(const Napi::CallbackInfo& info) {
  mm_map* map = LiveMap(info);
  return (new GrowWork(info.Env(), map, U64Arg(info, 1)))->Start();
}

// viewPrefetch(handle, offset, length, buffer) -> Promise: resolves once the
// range is resident; rejects with ECLOSED when the view closes first.
Napi::Value ViewPrefetch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ViewBox* box = Data(env)->tables->views.Get(HandleArg(info, 0));
  if (box == nullptr) ThrowCore(env, MM_ECLOSED, 0, "the view is closed");
  void* addr = nullptr;
  size_t span = 0;
  int rc = mm_view_span(&box->view, U64Arg(info, 1), U64Arg(info, 2), &addr, &span);
  if (rc < 0) ThrowCore(env, rc, 0, "prefetch");
  napi_threadsafe_function probe = ProbeOf(env, Data(env));
  PrefetchWork* work = new PrefetchWork(env, box, addr, span, info[3].As<Napi::ArrayBuffer>(), probe);
  Napi::Promise promise = work->Promise();
  work->Queue();
  return promise;
}

// A timeout in ms (validated by TypeScript: >= 0, Infinity for none) as ns, -1 for none.
int64_t TimeoutArg(const Napi::CallbackInfo& info, size_t i) {
  double ms = info[i].As<Napi::Number>().DoubleValue();
  if (!(ms >= 0)) ThrowCore(info.Env(), MM_ERANGE, 0, "timeout");
  if (ms >= 9.0e12) return -1;  // beyond 285 years: no timeout
  return static_cast<int64_t>(std::llround(ms * 1e6));
}

// The word at argument 1 of the view at argument 0, for waiting or notifying.
mm_word WordArg(const Napi::CallbackInfo& info, int for_notify, ViewBox** box_out = nullptr) {
  ViewBox* box = Data(info.Env())->tables->views.Get(HandleArg(info, 0));
  if (box == nullptr) ThrowCore(info.Env(), MM_ECLOSED, 0, "the view is closed");
  mm_word word;
  int os_errno = 0;
  int rc = mm_view_word(&box->view, U64Arg(info, 1), for_notify, &word, &os_errno);
  if (rc < 0) ThrowCore(info.Env(), rc, os_errno, for_notify ? "notify" : "wait");
  if (box_out != nullptr) *box_out = box;
  return word;
}

// viewWait(handle, position, expected, timeoutMs) -> mm_wait_result. The wait
// sleeps in slices, calling into JS between them, so that a worker being
// terminated stops waiting (terminate() cannot interrupt a system call). A
// later slice that finds the word changed reports a wake ('ok'): it changed
// while we waited.
Napi::Value ViewWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  mm_word word = WordArg(info, 0);
  int32_t expected = info[2].As<Napi::Number>().Int32Value();
  int64_t timeout = TimeoutArg(info, 3);
  const int64_t slice = 50'000'000;
  AddonData* data = Data(env);
  for (bool first = true;; first = false) {
    int64_t now = timeout < 0 || timeout > slice ? slice : timeout;
    int os_errno = 0;
    int rc = mm_word_wait(&word, expected, now, &os_errno);
    if (rc < 0) ThrowCore(env, rc, os_errno, "wait");
    if (rc == MM_WAIT_NOT_EQUAL && !first) rc = MM_WAIT_WOKEN;
    if (rc != MM_WAIT_TIMED_OUT || timeout == now) return Napi::Number::New(env, rc);
    if (timeout > 0) timeout -= now;
    napi_value ignored;
    if (napi_call_function(env, env.Undefined(), data->noop.Value(), 0, nullptr, &ignored) != napi_ok) {
      // The thread is being terminated: stop waiting. No JS may be called to make a
      // MemmapError now; a plain error keeps the rest of the script from running.
      napi_throw_error(env, "ECLOSED", "the thread is being terminated");
      return Napi::Value();
    }
  }
}

// viewWaitAsync(handle, position, expected, timeoutMs, buffer) -> Promise<mm_wait_result>
// (wait-hub.h); the view's buffer stays referenced, so its pages stay mapped, until it settles.
Napi::Value ViewWaitAsync(const Napi::CallbackInfo& info) {
  ViewBox* box = nullptr;
  mm_word word = WordArg(info, 0, &box);
  int32_t expected = info[2].As<Napi::Number>().Int32Value();
  int64_t timeout = TimeoutArg(info, 3);
  return memmap::WaitAsync(info.Env(), box, word, expected, timeout, info[4].As<Napi::Object>(), WaitError);
}

// viewNotify(handle, position, count) -> the number of waiters woken.
Napi::Value ViewNotify(const Napi::CallbackInfo& info) {
  mm_word word = WordArg(info, 1);
  double count = info[2].As<Napi::Number>().DoubleValue();
  int32_t n = count >= 2147483647.0 ? 2147483647 : static_cast<int32_t>(count);
  int os_errno = 0;
  int rc = mm_word_wake(&word, n, &os_errno);
  if (rc < 0) ThrowCore(info.Env(), rc, os_errno, "notify");
  return Napi::Number::New(info.Env(), rc);
}

// viewClose(handle, buffer): ends the view and detaches its buffer (the one
// mapView returned). Idempotent. No JS runs between the steps. Pending
// waitAsync calls on the view settle first (ECLOSED), before its pages go.
Napi::Value ViewClose(const Napi::CallbackInfo& info) {
  ViewBox* box = Data(info.Env())->tables->views.Take(HandleArg(info, 0));
  if (box == nullptr) return info.Env().Undefined();
  box->handle = -1;
  memmap::CancelWaits(info.Env(), box);
  Napi::ArrayBuffer ab = info[1].As<Napi::ArrayBuffer>();
  int os_errno = 0;
  if (!ab.IsDetached() && ab.Data() == box->view.base) {
    // The memory is still in its buffer: detaching it leaves JS no way to the pages.
    ab.Detach();
    EndView(box, kEndClose);
  } else {
    // Moved out by user code: inert pages until that buffer's finalizer.
    EndView(box, kEndRetire);
  }
  (void)os_errno;
  ReleaseBox(box);
  return info.Env().Undefined();
}

// live() -> { maps, views, boxes }: the native objects alive now, for the leak tests.
Napi::Value Live(const Napi::CallbackInfo& info) {
  AddonData* data = Data(info.Env());
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("maps", static_cast<double>(data->tables->maps.live()));
  out.Set("views", static_cast<double>(data->tables->views.live()));
  out.Set("boxes", static_cast<double>(live_boxes.load()));
  return out;
}

// threadSelf() -> [id, token] of the calling thread (mm_thread_self).
Napi::Value ThreadSelf(const Napi::CallbackInfo& info) {
  uint32_t id = 0, token = 0;
  int os_errno = 0;
  int rc = mm_thread_self(&id, &token, &os_errno);
  if (rc < 0) ThrowCore(info.Env(), rc, os_errno, "thread identity");
  Napi::Array result = Napi::Array::New(info.Env(), 2);
  result.Set(0u, Napi::Number::New(info.Env(), id));
  result.Set(1u, Napi::Number::New(info.Env(), token));
  return result;
}

// threadAlive(id, token) -> whether that thread still runs (mm_thread_alive).
Napi::Value ThreadAlive(const Napi::CallbackInfo& info) {
  int os_errno = 0;
  int rc = mm_thread_alive(info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Uint32Value(),
                           &os_errno);
  if (rc < 0) ThrowCore(info.Env(), rc, os_errno, "thread liveness");
  return Napi::Boolean::New(info.Env(), rc == 1);
}

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Data(info.Env())->error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AddonData* data = new AddonData(env);
  env.SetInstanceData<AddonData>(data);
  data->noop = Napi::Persistent(Napi::Function::New(env, [](const Napi::CallbackInfo&) {}));
  exports.Set("mapOpen", Napi::Function::New<MapOpen>(env));
  exports.Set("mapClose", Napi::Function::New<MapClose>(env));
  exports.Set("mapView", Napi::Function::New<MapView>(env));
  exports.Set("viewFlush", Napi::Function::New<ViewFlush>(env));
  exports.Set("viewFlushAsync", Napi::Function::New<ViewFlushAsync>(env));
  exports.Set("mapCapacity", Napi::Function::New<MapCapacity>(env));
  exports.Set("mapGrow", Napi::Function::New<MapGrow>(env));
  exports.Set("mapGrowAsync", Napi::Function::New<MapGrowAsync>(env));
  exports.Set("mapOpenAsync", Napi::Function::New<MapOpenAsync>(env));
  exports.Set("viewAdvise", Napi::Function::New<ViewAdvise>(env));
  exports.Set("viewPrefetch", Napi::Function::New<ViewPrefetch>(env));
  exports.Set("viewClose", Napi::Function::New<ViewClose>(env));
  exports.Set("viewWait", Napi::Function::New<ViewWait>(env));
  exports.Set("viewWaitAsync", Napi::Function::New<ViewWaitAsync>(env));
  exports.Set("viewNotify", Napi::Function::New<ViewNotify>(env));
  exports.Set("threadSelf", Napi::Function::New<ThreadSelf>(env));
  exports.Set("threadAlive", Napi::Function::New<ThreadAlive>(env));
  exports.Set("live", Napi::Function::New<Live>(env));
  exports.Set("setErrorFactory", Napi::Function::New<SetErrorFactory>(env));
  exports.Set("allocationGranularity",
              Napi::Number::New(env, static_cast<double>(mm_allocation_granularity())));
  return exports;
}

}  // namespace

NODE_API_MODULE(memmap_native, Init)
