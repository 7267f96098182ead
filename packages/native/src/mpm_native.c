/*
 * The two system calls the supervisor needs and Node does not offer:
 *
 *   reap(pid)            waitpid(pid, WNOHANG): as PID 1 of a container the supervisor
 *                        inherits orphaned processes, and only their parent can free
 *                        them once they exit. libuv waits only for the children it
 *                        spawned, so the others would stay zombies for ever.
 *   notify(path, text)   one datagram on an AF_UNIX socket: the systemd notify protocol
 *                        (sd_notify(3)). Node's dgram module has no Unix sockets.
 *   subreaper()          prctl(PR_SET_CHILD_SUBREAPER, 1): a process that leaves the
 *                        child's process group (setsid) and loses its parent is handed
 *                        to the supervisor rather than to PID 1, so that a stop can end it.
 *
 * Node-API only, so that one build runs on every Node version from 20 on.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void throw_errno(napi_env env, const char *what, int error) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  const char *code = NULL;
  switch (error) {
    case ENOENT: code = "ENOENT"; break;
    case ECONNREFUSED: code = "ECONNREFUSED"; break;
    case EACCES: code = "EACCES"; break;
    case EPERM: code = "EPERM"; break;
    case EAGAIN: code = "EAGAIN"; break;
    case ENAMETOOLONG: code = "ENAMETOOLONG"; break;
    case ECHILD: code = "ECHILD"; break;
    default: code = "EIO"; break;
  }
  napi_throw_error(env, code, message);
}

/* reap(pid: number): null | { code: number | null, signal: number | null } */
static napi_value reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  int32_t pid = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, "EINVAL", "reap(pid) needs a positive process id");
    return NULL;
  }
  int status = 0;
  pid_t done;
  do {
    done = waitpid((pid_t)pid, &status, WNOHANG);
  } while (done == -1 && errno == EINTR);
  if (done == 0 || (done == -1 && errno == ECHILD)) {
    /* Still running, or not our child (someone reaped it first). */
    napi_get_null(env, &result);
    return result;
  }
  if (done == -1) {
    throw_errno(env, "waitpid", errno);
    return NULL;
  }
  napi_value code;
  napi_value signal;
  napi_create_object(env, &result);
  if (WIFEXITED(status)) {
    napi_create_int32(env, WEXITSTATUS(status), &code);
    napi_get_null(env, &signal);
  } else {
    napi_get_null(env, &code);
    napi_create_int32(env, WIFSIGNALED(status) ? WTERMSIG(status) : 0, &signal);
  }
  napi_set_named_property(env, result, "code", code);
  napi_set_named_property(env, result, "signal", signal);
  return result;
}

/* notify(socketPath: string, message: string): undefined; throws with an errno code. */
static napi_value notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  struct sockaddr_un address;
  char message[4096];
  size_t path_length = 0;
  size_t message_length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, "EINVAL", "notify(socketPath, message) needs two strings");
    return NULL;
  }
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  /* One byte more than sun_path holds: a path that fills it is refused below, not cut. */
  char path[sizeof address.sun_path + 1];
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_length) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], message, sizeof message, &message_length) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "notify(socketPath, message) needs two strings");
    return NULL;
  }
  if (path_length == 0 || path_length >= sizeof address.sun_path) {
    throw_errno(env, "NOTIFY_SOCKET", ENAMETOOLONG);
    return NULL;
  }
  memcpy(address.sun_path, path, path_length);
  /* "@name" is a socket in the abstract namespace: its name starts with a NUL byte. */
  if (path[0] == '@') address.sun_path[0] = '\0';
  socklen_t address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length + (path[0] == '@' ? 0 : 1));

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, "socket", errno);
    return NULL;
  }
  ssize_t sent;
  do {
    sent = sendto(fd, message, message_length, MSG_NOSIGNAL, (struct sockaddr *)&address, address_length);
  } while (sent < 0 && errno == EINTR);
  int error = errno;
  close(fd);
  if (sent < 0) {
    throw_errno(env, "sendto NOTIFY_SOCKET", error);
    return NULL;
  }
  return NULL;
}

/* subreaper(): undefined; throws with an errno code. */
static napi_value subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    throw_errno(env, "prctl(PR_SET_CHILD_SUBREAPER)", errno);
    return NULL;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    {"reap", NULL, reap, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notify", NULL, notify, NULL, NULL, NULL, napi_enumerable, NULL},
    {"subreaper", NULL, subreaper, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
