#ifndef LDN_CZMQ_SHIM_H
#define LDN_CZMQ_SHIM_H
#include <zmq.h>
// eventfd wakes a socket thread's zmq_poll when async code queues outgoing messages.
#include <sys/eventfd.h>
#endif
