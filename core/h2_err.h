/* Status codes shared by every core module.
 *
 * The numeric values are the public ones of abi/include/h2/h2.h: the ABI
 * layer passes them through unchanged (a static check there keeps the two
 * lists equal). 0 is success, every failure is negative. */
#ifndef H2_CORE_ERR_H
#define H2_CORE_ERR_H

enum {
  H2S_OK = 0,
  H2S_INVALID_ARGUMENT = -1,
  H2S_NOMEM = -2,
  H2S_BUFFER_TOO_SMALL = -3,
  H2S_INVALID_STATE = -4,
  H2S_PROTOCOL = -10,
  H2S_FRAME_TOO_LARGE = -11,
  H2S_FRAME_DATA_MISSING = -12,
  H2S_TOO_MANY_STREAMS = -13,
  H2S_FLOW_CONTROL = -14,
  H2S_STREAM_ID_TOO_LOW = -15,
  H2S_NO_AVAILABLE_STREAM_ID = -16,
  H2S_NO_SUCH_STREAM = -17,
  H2S_STREAM_CLOSED = -18,
  H2S_INVALID_SETTINGS_VALUE = -19,
  H2S_INVALID_BODY_LENGTH = -20,
  H2S_UNSUPPORTED_FRAME = -21,
  H2S_RFC1122 = -22,
  H2S_DENIAL_OF_SERVICE = -23,
  H2S_COMPRESSION = -24,
  H2S_HEADER_LIST_TOO_LARGE = -25,
  H2S_FRAME_SIZE = -26
};

/* HTTP/2 error codes, RFC 9113 §7. */
enum {
  H2_CODE_NO_ERROR = 0x0,
  H2_CODE_PROTOCOL_ERROR = 0x1,
  H2_CODE_INTERNAL_ERROR = 0x2,
  H2_CODE_FLOW_CONTROL_ERROR = 0x3,
  H2_CODE_SETTINGS_TIMEOUT = 0x4,
  H2_CODE_STREAM_CLOSED = 0x5,
  H2_CODE_FRAME_SIZE_ERROR = 0x6,
  H2_CODE_REFUSED_STREAM = 0x7,
  H2_CODE_CANCEL = 0x8,
  H2_CODE_COMPRESSION_ERROR = 0x9,
  H2_CODE_CONNECT_ERROR = 0xa,
  H2_CODE_ENHANCE_YOUR_CALM = 0xb,
  H2_CODE_INADEQUATE_SECURITY = 0xc,
  H2_CODE_HTTP_1_1_REQUIRED = 0xd
};

#endif
