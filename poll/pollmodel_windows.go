//go:build !afdpersocket

package poll

// perSocketPolls selects the model of polls: false, the default, polls the
// readiness of a group's members with one poll per group (see group);
// true, with the build tag afdpersocket, gives every socket a poll of its
// own and no group a poll, as wepoll and mio do. The tag is there to
// measure the two against each other (README.md); the tests pass with
// either.
const perSocketPolls = false
