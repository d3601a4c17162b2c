// ThreadSanitizer builds only: C11 <threads.h> on top of pthreads, so that TSan sees
// librdkafka's threads, mutexes and condition variables.
//
// Debian's librdkafka uses glibc's C11 threads (thrd_create, mtx_lock, cnd_wait...).
// glibc implements them by calling its pthread functions internally, past the
// interceptors of GCC 12's and clang 14's TSan runtimes (which know no C11 thread
// functions). A librdkafka thread is then unknown to TSan, and the first instrumented
// code it runs (our log callback, spdlog) crashes in the runtime (SEGV in the zero
// page); its locks are invisible, which would show as false races. Defined in the test
// executable, these functions take precedence over glibc's (the executable comes
// first in symbol lookup) and call the pthread functions TSan intercepts.
//
// librdkafka also creates mutexes and condition variables on one thread (inside a
// calloc'd object, e.g. a partition's) and hands the object to another through its
// own atomics and queues, which TSan does not see. The first lock on the other thread
// then reads the mutex "unordered" with the init's write. A suppression of that report
// by the init's frame only held while TSan could still restore the init's stack: once
// the creating thread's history had been overwritten ("[failed to restore the
// stack]"), the report went through and failed the run (3 of 12 fault-test runs on a
// loaded machine). Instead, each init is published to TSan (a release) and every later
// use acquires it: the order that librdkafka's atomics guarantee.
#include <pthread.h>
#include <sanitizer/tsan_interface.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t func;
  void* arg;
};

void* run_start(void* p) {
  Start s = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(s.func(s.arg)));
}

int to_thrd(int rc) {
  switch (rc) {
    case 0:
      return thrd_success;
    case EBUSY:
      return thrd_busy;
    case ETIMEDOUT:
      return thrd_timedout;
    case ENOMEM:
      return thrd_nomem;
    default:
      return thrd_error;
  }
}

pthread_mutex_t* pm(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* pc(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

// The init -> use order of a mutex or condition variable, on a sync address of its own
// (one byte into the object): unlike the object's address, which TSan's mutex model
// also releases on every unlock, nothing but the init releases it, so a use acquires
// the init and nothing more.
void* init_sync(void* object) { return static_cast<char*>(object) + 1; }
void published(void* object) { __tsan_release(init_sync(object)); }

// The pthread object behind a C11 one, for a use after its init: acquires the init.
pthread_mutex_t* in_use(mtx_t* m) {
  __tsan_acquire(init_sync(m));
  return pm(m);
}
pthread_cond_t* in_use(cnd_t* c) {
  __tsan_acquire(init_sync(c));
  return pc(c);
}

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t));
static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t));
static_assert(sizeof(once_flag) == sizeof(pthread_once_t));

}  // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* s = new (std::nothrow) Start{func, arg};
  if (s == nullptr) return thrd_nomem;
  pthread_t t;
  int rc = pthread_create(&t, nullptr, run_start, s);
  if (rc != 0) {
    delete s;
    return to_thrd(rc);
  }
  *thr = t;
  return thrd_success;
}

int thrd_join(thrd_t thr, int* res) {
  void* r = nullptr;
  if (pthread_join(thr, &r) != 0) return thrd_error;
  if (res != nullptr) *res = static_cast<int>(reinterpret_cast<std::intptr_t>(r));
  return thrd_success;
}

int thrd_detach(thrd_t thr) { return to_thrd(pthread_detach(thr)); }
thrd_t thrd_current(void) { return pthread_self(); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  if ((type & mtx_recursive) != 0) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  int rc = pthread_mutex_init(pm(m), &a);
  pthread_mutexattr_destroy(&a);
  published(m);
  return to_thrd(rc);
}
int mtx_lock(mtx_t* m) { return to_thrd(pthread_mutex_lock(in_use(m))); }
int mtx_trylock(mtx_t* m) { return to_thrd(pthread_mutex_trylock(in_use(m))); }
// Unlock needs no acquire: the lock that it releases has acquired the init.
int mtx_unlock(mtx_t* m) { return to_thrd(pthread_mutex_unlock(pm(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(in_use(m)); }

int cnd_init(cnd_t* c) {
  int rc = pthread_cond_init(pc(c), nullptr);
  published(c);
  return to_thrd(rc);
}
int cnd_signal(cnd_t* c) { return to_thrd(pthread_cond_signal(in_use(c))); }
int cnd_broadcast(cnd_t* c) { return to_thrd(pthread_cond_broadcast(in_use(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) { return to_thrd(pthread_cond_wait(in_use(c), pm(m))); }
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* ts) {
  return to_thrd(pthread_cond_timedwait(in_use(c), pm(m), ts));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(in_use(c)); }

void call_once(once_flag* flag, void (*func)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), func);
}

}  // extern "C"
