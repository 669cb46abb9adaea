/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capguardd under load: runc-style state dirs under --watch runc:DIR, each naming a real
 * process holding Docker's default set. Measures, from each state.json's rename into place
 * to the verdict's time as stored: p50/p99 at a paced 1,000 containers a second, and
 * throughput with 1,000 written at once; then the daemon's RSS with the containers live and
 * its CPU ticks over an idle minute.
 *
 * Usage: bench-daemon CAPGUARDD POLICY [N] [IDLE-SECONDS] */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capguard/cap-profile.h"
#include "capguard/proc-stat.h"

/* under $TMPDIR, else /tmp */
static char dir[256];

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void die(const char *what) {
        fprintf(stderr, "bench-daemon: %s: %s\n", what, strerror(errno));
        exit(EXIT_FAILURE);
}

/* A stand-in for a container's init: Docker's default set, then nothing but waiting. */
static pid_t spawn_container(uint64_t docker_default) {
        pid_t pid = fork();

        if (pid < 0)
                die("fork");
        if (pid == 0) {
                cap_t caps = cap_init();

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (unsigned c = 0; c < 64; c++)
                        if (docker_default & (UINT64_C(1) << c)) {
                                cap_value_t v = (cap_value_t) c;

                                cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
                                cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
                        }
                for (unsigned c = 0; c <= (unsigned) cap_max_bits() - 1; c++)
                        if (!(docker_default & (UINT64_C(1) << c)))
                                (void) prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
                (void) cap_set_proc(caps);
                for (;;)
                        pause();
        }
        return pid;
}

static uint64_t start_of(pid_t pid) {
        char path[64];
        ProcStat st;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        if (proc_stat_read_at(AT_FDCWD, path, &st) < 0)
                die("read stat");
        return st.starttime;
}

/* state.json as runc writes it (what capguard reads of it), renamed into place in the
 * container's directory under base. The bundle label names the directory under the root. */
static uint64_t write_state(const char *base, const char *id, pid_t pid, uint64_t start) {
        char d[512], tmp[600], final[600], label[600];
        json_object *o = json_object_new_object(), *config = json_object_new_object(), *labels = json_object_new_array();
        const char *text;
        uint64_t t;
        int fd;

        snprintf(d, sizeof d, "%s/%s", base, id);
        snprintf(tmp, sizeof tmp, "%s/state.json.tmp", d);
        snprintf(final, sizeof final, "%s/state.json", d);
        snprintf(label, sizeof label, "bundle=%s/%s", dir, id);
        json_object_object_add(o, "id", json_object_new_string(id));
        json_object_object_add(o, "init_process_pid", json_object_new_int(pid));
        json_object_object_add(o, "init_process_start", json_object_new_int64((int64_t) start));
        json_object_object_add(o, "created", json_object_new_string("2026-11-28T12:00:00.000000000Z"));
        json_object_array_add(labels, json_object_new_string(label));
        json_object_object_add(config, "labels", labels);
        json_object_object_add(o, "config", config);
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

        if (mkdir(d, 0700) < 0)
                die("mkdir");
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text) || close(fd) < 0)
                die("write state");
        t = now_usec();
        if (rename(tmp, final) < 0)
                die("rename");
        json_object_put(o);
        return t;
}

/* A container directory prepared in staging, moved into the root in one rename. */
static uint64_t move_in(const char *staging, const char *id) {
        char from[1024], to[1024];
        uint64_t t;

        snprintf(from, sizeof from, "%s/%s", staging, id);
        snprintf(to, sizeof to, "%s/%s", dir, id);
        t = now_usec();
        if (rename(from, to) < 0)
                die("rename into the root");
        return t;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

/* Waits until n verdicts on containers named prefix* are stored; returns them by id. */
static void collect(const char *db_path, const char *prefix, size_t n, const uint64_t *written, uint64_t *lat,
                    uint64_t *ret_last) {
        sqlite3 *db;
        sqlite3_stmt *st;
        char like[64];
        size_t got = 0;
        uint64_t last = 0;

        snprintf(like, sizeof like, "%s%%", prefix);
        for (int tries = 0; tries < 600 && got < n; tries++) {
                if (tries)
                        usleep(100 * 1000);
                if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
                        continue;
                sqlite3_busy_timeout(db, 1000);
                if (sqlite3_prepare_v2(db,
                                       "SELECT c.container_id, e.time FROM events e JOIN containers c ON e.container = c.id "
                                       "WHERE c.container_id LIKE ?1",
                                       -1, &st, NULL) != SQLITE_OK) {
                        sqlite3_close(db);
                        continue;
                }
                sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
                got = 0;
                last = 0;
                while (sqlite3_step(st) == SQLITE_ROW) {
                        const char *id = (const char *) sqlite3_column_text(st, 0);
                        uint64_t t = (uint64_t) sqlite3_column_int64(st, 1);
                        size_t i = strtoul(id + strlen(prefix), NULL, 10);

                        if (i < n) {
                                lat[i] = t - written[i];
                                got++;
                                if (t > last)
                                        last = t;
                        }
                }
                sqlite3_finalize(st);
                sqlite3_close(db);
        }
        if (got < n) {
                fprintf(stderr, "bench-daemon: only %zu of %zu verdicts arrived\n", got, n);
                exit(EXIT_FAILURE);
        }
        *ret_last = last;
}

static void report(const char *what, uint64_t *lat, size_t n) {
        qsort(lat, n, sizeof *lat, cmp_u64);
        printf("%-34s p50 %7.3f ms   p99 %7.3f ms   max %7.3f ms\n", what, lat[n / 2] / 1000.0,
               lat[(n * 99) / 100] / 1000.0, lat[n - 1] / 1000.0);
}

static long field_of(pid_t pid, const char *key) {
        char path[64], line[256];
        FILE *f;
        long v = -1;

        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof line, f))
                if (strncmp(line, key, strlen(key)) == 0)
                        v = strtol(line + strlen(key), NULL, 10);
        if (f)
                fclose(f);
        return v;
}

/* Time on a CPU, in ns, from the scheduler's own accounting: precise where ticks are 10 ms,
 * and what a verdict costs whatever else the machine runs. */
static uint64_t cpu_ns_of(pid_t pid) {
        char path[64];
        unsigned long long ns = 0;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/schedstat", (int) pid);
        f = fopen(path, "re");
        if (!f || fscanf(f, "%llu", &ns) != 1)
                die("read daemon schedstat");
        fclose(f);
        return ns;
}

static uint64_t ticks_of(pid_t pid) {
        char path[64];
        ProcStat st;
        unsigned long ut = 0, stt = 0;
        char buf[1024], *p;
        FILE *f;

        (void) st;
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        f = fopen(path, "re");
        if (!f || !fgets(buf, sizeof buf, f))
                die("read daemon stat");
        fclose(f);
        p = strrchr(buf, ')');
        /* fields after comm: state(3) ... utime(14) stime(15) */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) != 2)
                die("parse daemon stat");
        return ut + stt;
}

int main(int argc, char *argv[]) {
        const char *daemon_path, *policy;
        size_t n;
        unsigned idle;
        uint64_t docker_default, *written, *lat, last, first;
        pid_t *kids, daemon;
        char db[600], pidfile[600], watch[600], staging[600];
        uint64_t t0, ticks0, cpu0;

        if (argc < 3) {
                fprintf(stderr, "Usage: bench-daemon CAPGUARDD POLICY [N] [IDLE-SECONDS]\n");
                return EXIT_FAILURE;
        }
        daemon_path = argv[1];
        policy = argv[2];
        n = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
        idle = argc > 4 ? (unsigned) strtoul(argv[4], NULL, 10) : 60;

        snprintf(dir, sizeof dir, "%s/capguard-bench-XXXXXX", getenv("TMPDIR") ?: "/tmp");
        if (!mkdtemp(dir))
                die("mkdtemp");
        snprintf(db, sizeof db, "%s/capguard.db", dir);
        snprintf(pidfile, sizeof pidfile, "%s/capguardd.pid", dir);
        snprintf(watch, sizeof watch, "runc:%s/root", dir);
        strcat(dir, "/root");
        if (mkdir(dir, 0700) < 0)
                die("mkdir root");
        if (cap_profile_mask("docker-default", &docker_default) < 0)
                die("profile");

        kids = calloc(2 * n, sizeof *kids);
        written = calloc(2 * n, sizeof *written);
        lat = calloc(2 * n, sizeof *lat);
        for (size_t i = 0; i < 2 * n; i++)
                kids[i] = spawn_container(docker_default);

        daemon = fork();
        if (daemon == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                dup2(null, STDOUT_FILENO);
                execl(daemon_path, daemon_path, "--db", db, "--pid-file", pidfile, "--default-policy", policy,
                      "--watch", watch, "--dry-run", (char *) NULL);
                _exit(127);
        }
        for (int i = 0; i < 200 && access(pidfile, F_OK) < 0; i++)
                usleep(20 * 1000);
        if (access(pidfile, F_OK) < 0) {
                fprintf(stderr, "bench-daemon: capguardd did not start\n");
                return EXIT_FAILURE;
        }

        printf("capguardd, %zu containers per run, runc-style state under --watch, dry run\n", n);

        /* paced: one every 1000000/1000 us */
        t0 = now_usec();
        for (size_t i = 0; i < n; i++) {
                char id[32];
                uint64_t due = t0 + i * 1000, now;

                while ((now = now_usec()) < due)
                        usleep((useconds_t) (due - now > 200 ? due - now - 100 : 0));
                snprintf(id, sizeof id, "paced%zu", i);
                written[i] = write_state(dir, id, kids[i], start_of(kids[i]));
        }
        collect(db, "paced", n, written, lat, &last);
        report("state.json -> verdict, 1000/s paced", lat, n);

        /* all at once: prepared aside, then each container's directory renamed into the root,
         * so that what is timed is the daemon, not this writer's json-c and mkdir */
        snprintf(staging, sizeof staging, "%.*s/staging", (int) (strlen(dir) - 5), dir);
        if (mkdir(staging, 0700) < 0)
                die("mkdir staging");
        for (size_t i = 0; i < n; i++) {
                char id[32];

                snprintf(id, sizeof id, "burst%zu", i);
                (void) write_state(staging, id, kids[n + i], start_of(kids[n + i]));
        }
        cpu0 = cpu_ns_of(daemon);
        for (size_t i = 0; i < n; i++) {
                char id[32];

                snprintf(id, sizeof id, "burst%zu", i);
                written[i] = move_in(staging, id);
        }
        first = written[0];
        collect(db, "burst", n, written, lat, &last);
        report("state.json -> verdict, all at once", lat, n);
        printf("%-34s %.0f verdicts/s\n", "throughput, all at once", n / ((last - first) / 1e6));
        printf("%-34s %.0f us per verdict (%.0f verdicts per CPU-second)\n", "daemon CPU, all at once",
               (cpu_ns_of(daemon) - cpu0) / 1e3 / n, n / ((cpu_ns_of(daemon) - cpu0) / 1e9));

        printf("%-34s %ld KiB with %zu live containers\n", "RSS", field_of(daemon, "VmRSS:"), 2 * n);

        sleep(2); /* let the last writes and checkpoints settle */
        ticks0 = ticks_of(daemon);
        sleep(idle);
        printf("%-34s %" PRIu64 " ticks in %u s\n", "CPU while idle", ticks_of(daemon) - ticks0, idle);

        kill(daemon, SIGTERM);
        waitpid(daemon, NULL, 0);
        for (size_t i = 0; i < 2 * n; i++)
                kill(kids[i], SIGKILL);
        while (wait(NULL) > 0)
                ;
        {
                char cmd[700];

                snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int) (strlen(dir) - 5), dir);
                (void) system(cmd);
        }
        return EXIT_SUCCESS;
}
