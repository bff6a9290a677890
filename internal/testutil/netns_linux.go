package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// InNetns runs fn on a thread switched into the named network namespace (one
// the test created with "ip netns add"); sockets fn creates stay in it.
func InNetns(ns string, fn func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return err
	}
	defer self.Close()
	target, err := os.Open("/var/run/netns/" + ns)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("enter %s: %w", ns, err)
	}
	ferr := fn()
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
		panic("cannot return to the test's network namespace: " + err.Error())
	}
	return ferr
}

// IP runs the ip command (iproute2) and fails the test if it fails.
func IP(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v: %s", args, err, out)
	}
}

// Netns creates a network namespace for the test, named prefix plus the
// process id, and deletes it when the test ends. It needs root and iproute2
// (see Missing).
func Netns(t testing.TB, prefix string) string {
	t.Helper()
	NeedRoot(t, "network namespaces for the test")
	if _, err := exec.LookPath("ip"); err != nil {
		Missing(t, "iproute2 (ip) not installed")
	}
	ns := fmt.Sprintf("%s%d", prefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		Missing(t, "cannot create network namespace %s: %v: %s", ns, err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	return ns
}
