// addon.cc — the Node addon: a thin node-addon-api layer over the core.
//
//   JS (node/backend.ts)  --NativeMap/NativeView-->  core (map.c, view.c)  --> posix.c
//
// It has no semantics of its own: argument rules live in TypeScript, file and
// view rules in the core. What it adds is ownership across the GC boundary:
//
//   - each view's pages are exposed as one external ArrayBuffer (zero copy);
//   - NativeView.close() retires the view (mm_view_retire: the file's pages
//     are released and inert zero pages take their place at the same
//     addresses) and detaches that ArrayBuffer. User code may have moved the
//     buffer's memory into another ArrayBuffer first (transfer(),
//     transferToFixedLength()), which detaching does not reach: such a buffer
//     then reads and writes the inert pages, never the closed file or a
//     mapping made later at the same addresses;
//   - the addresses are released (mm_view_close) only by the buffer's
//     finalizer, which Node runs when the memory's last ArrayBuffer is
//     collected — the original or the one it was moved to. A view that is only
//     garbage-collected is unmapped then too. The mm_view lives in a ViewBox
//     shared by the buffer's finalizer and the NativeView, freed by whichever
//     of the two goes last.
//
// Errors cross into JS in exactly one place, ThrowCore(), which calls the error
// factory the TypeScript layer registered with setErrorFactory(), with the
// name from the core's MM_ERRNO_MAP.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

extern "C" {
#include "mm/errors.h"
#include "mm/map.h"
#include "mm/view.h"
}

namespace {

struct AddonData {
  Napi::FunctionReference error_factory;
  Napi::FunctionReference view_ctor;
};

// The message is the core's detail of the failure when it gave one (see
// mm_error_detail; pass `detail` only right after a call that sets it), else
// the code's message; then the context of this call.
[[noreturn]] void ThrowCore(Napi::Env env, int code, int os_errno, const std::string& context,
                            const char* detail = "") {
  AddonData* data = env.GetInstanceData<AddonData>();
  std::string message = std::string(detail[0] != '\0' ? detail : mm_strerror(code)) +
                        (context.empty() ? "" : ", " + context);
  if (data != nullptr && !data->error_factory.IsEmpty()) {
    Napi::Value err = data->error_factory.Call(
        {Napi::String::New(env, mm_err_name(code)), Napi::String::New(env, message),
         Napi::Number::New(env, os_errno)});
    throw Napi::Error(env, err);
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, mm_err_name(code)));
  throw err;
}

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

struct ViewBox {
  mm_view view;
  int refs;
};

void ReleaseBox(ViewBox* box) {
  if (--box->refs == 0) {
    mm_view_close(&box->view);
    delete box;
  }
}

class NativeView : public Napi::ObjectWrap<NativeView> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativeView",
                       {InstanceMethod<&NativeView::Flush>("flush"),
                        InstanceMethod<&NativeView::Close>("close")});
  }

  // Constructed from C++ only: info[0] is an External<ViewBox>, info[1] its ArrayBuffer.
  explicit NativeView(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeView>(info) {
    box_ = info[0].As<Napi::External<ViewBox>>().Data();
    buffer_ = Napi::Weak(info[1].As<Napi::ArrayBuffer>());
  }

  ~NativeView() override { ReleaseBox(box_); }

 private:
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    int os_errno = 0;
    int rc = mm_view_flush(&box_->view, &os_errno);
    if (rc < 0) ThrowCore(info.Env(), rc, os_errno, "msync");
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    // Retire first, then detach: no JS runs in between. Afterwards every typed
    // array over the buffer has length 0, and memory moved out of it earlier
    // reaches only inert pages (mm_view_retire keeps the mapping when it
    // cannot replace it, which leaves such memory on this view's own file).
    int os_errno = 0;
    mm_view_retire(&box_->view, &os_errno);
    if (!buffer_.IsEmpty()) {
      Napi::ArrayBuffer ab = buffer_.Value();
      if (!ab.IsEmpty() && !ab.IsDetached()) ab.Detach();
    }
    return info.Env().Undefined();
  }

  ViewBox* box_;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
};

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

class NativeMap : public Napi::ObjectWrap<NativeMap> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativeMap",
                       {InstanceAccessor<&NativeMap::Capacity>("capacity"),
                        InstanceMethod<&NativeMap::View>("view"),
                        InstanceMethod<&NativeMap::Close>("close")});
  }

  // new NativeMap(kind, pathOrName, mode, capacity, access)
  //   kind 0: a persisted map of the file at path (mode: mm_mode)
  //   kind 1: a shared map named name, or anonymous when name is null (mode: mm_shared_mode)
  explicit NativeMap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeMap>(info) {
    Napi::Env env = info.Env();
    int kind = EnumArg(info, 0, 2);
    bool anonymous = kind == 1 && info[1].IsNull();
    std::string name = anonymous ? std::string() : info[1].As<Napi::String>().Utf8Value();
    if (name.find('\0') != std::string::npos) ThrowCore(env, MM_EINVAL, 0, "name contains a NUL byte");
    int mode = EnumArg(info, 2, kind == 0 ? static_cast<int>(MM_MODE__COUNT) : static_cast<int>(MM_SHARED__COUNT));
    uint64_t capacity = U64Arg(info, 3);
    mm_access access = static_cast<mm_access>(EnumArg(info, 4, MM_ACCESS__COUNT));
    int os_errno = 0;
    int rc;
    if (kind == 0) {
      rc = mm_map_open_file(name.c_str(), static_cast<mm_mode>(mode), capacity, access, &map_, &os_errno);
      if (rc < 0) ThrowCore(env, rc, os_errno, "open '" + name + "'", mm_error_detail());
    } else {
      rc = mm_map_open_shared(anonymous ? nullptr : name.c_str(), static_cast<mm_shared_mode>(mode),
                              capacity, access, &map_, &os_errno);
      if (rc == MM_EACCES && !anonymous) ThrowCore(env, rc, os_errno, Untrusted(name));
      if (rc < 0) {
        ThrowCore(env, rc, os_errno, anonymous ? "anonymous map" : "shared map '" + name + "'", mm_error_detail());
      }
    }
  }

  ~NativeMap() override { mm_map_free(map_); }

 private:
  Napi::Value Capacity(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(mm_map_capacity(map_)));
  }

  // view(offset, size, access) -> [ArrayBuffer, pointerOffset, size, NativeView]
  Napi::Value View(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint64_t offset = U64Arg(info, 0);
    uint64_t size = U64Arg(info, 1);
    int access = EnumArg(info, 2, MM_ACCESS__COUNT);
    ViewBox* box = new ViewBox{};
    int os_errno = 0;
    int rc = mm_view_open(map_, offset, size, static_cast<mm_access>(access), &box->view, &os_errno);
    if (rc < 0) {
      delete box;
      ThrowCore(env, rc, os_errno, "mmap");
    }
    // External ArrayBuffers are limited to Buffer's kMaxLength (4 GiB on 64-bit).
    if (box->view.length > 4294967296ull) {
      mm_view_close(&box->view);
      delete box;
      ThrowCore(env, MM_ERANGE, 0, "a view can hold at most 4 GiB in Node; make several views");
    }
    box->refs = 2;  // the ArrayBuffer's finalizer and the NativeView
    Napi::ArrayBuffer ab;
    try {
      ab = Napi::ArrayBuffer::New(env, box->view.base, box->view.length,
                                  [](Napi::Env, void*, ViewBox* b) {
                                    mm_view_close(&b->view);
                                    ReleaseBox(b);
                                  },
                                  box);
    } catch (...) {
      mm_view_close(&box->view);
      delete box;
      throw;
    }
    AddonData* data = env.GetInstanceData<AddonData>();
    Napi::Object view;
    try {
      view = data->view_ctor.New({Napi::External<ViewBox>::New(env, box), ab});
    } catch (...) {
      // The ArrayBuffer's finalizer still owns one reference; drop the view's.
      mm_view_close(&box->view);
      ab.Detach();
      ReleaseBox(box);
      throw;
    }
    Napi::Array result = Napi::Array::New(env, 4);
    result.Set(0u, ab);
    result.Set(1u, Napi::Number::New(env, static_cast<double>(box->view.pointer_offset)));
    result.Set(2u, Napi::Number::New(env, static_cast<double>(box->view.size)));
    result.Set(3u, view);
    return result;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    mm_map_close(map_);
    return info.Env().Undefined();
  }

  mm_map* map_ = nullptr;
};

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  AddonData* data = info.Env().GetInstanceData<AddonData>();
  data->error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AddonData* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  Napi::Function view_ctor = NativeView::Init(env);
  data->view_ctor = Napi::Persistent(view_ctor);
  exports.Set("NativeMap", NativeMap::Init(env));
  exports.Set("setErrorFactory", Napi::Function::New<SetErrorFactory>(env));
  exports.Set("allocationGranularity",
              Napi::Number::New(env, static_cast<double>(mm_allocation_granularity())));
  return exports;
}

}  // namespace

NODE_API_MODULE(memmap_native, Init)
