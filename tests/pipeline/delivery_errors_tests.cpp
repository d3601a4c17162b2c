#include "connectors/delivery_errors.h"

#include <gtest/gtest.h>

namespace skillstream::connectors {
namespace {

TEST(DeliveryErrors, ClassifiesTransientPermanentPurgedAndFatal) {
  EXPECT_EQ(classify_delivery_error(RD_KAFKA_RESP_ERR_NO_ERROR), DeliveryErrorClass::ok);
  for (auto e : {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                 RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
                 RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR__QUEUE_FULL}) {
    EXPECT_EQ(classify_delivery_error(e), DeliveryErrorClass::retriable) << rd_kafka_err2name(e);
  }
  for (auto e : {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_RECORD,
                 RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_POLICY_VIOLATION}) {
    EXPECT_EQ(classify_delivery_error(e), DeliveryErrorClass::permanent) << rd_kafka_err2name(e);
  }
  EXPECT_EQ(classify_delivery_error(RD_KAFKA_RESP_ERR__PURGE_QUEUE), DeliveryErrorClass::purged);
  EXPECT_EQ(classify_delivery_error(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT), DeliveryErrorClass::purged);
  for (auto e : {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR__FATAL,
                 RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR_PRODUCER_FENCED}) {
    EXPECT_EQ(classify_delivery_error(e), DeliveryErrorClass::fatal) << rd_kafka_err2name(e);
  }
}

TEST(DeliveryErrors, UnknownCodesAreFatalNotRetriedForEver) {
  EXPECT_EQ(classify_delivery_error(static_cast<rd_kafka_resp_err_t>(4242)),
            DeliveryErrorClass::fatal);
  EXPECT_EQ(classify_delivery_error(RD_KAFKA_RESP_ERR_END_ALL), DeliveryErrorClass::fatal);
}

TEST(DeliveryErrors, EveryDefinedCodeHasAClass) {
  // Walk the whole range librdkafka describes; each must classify without falling
  // back to the "outside the enum" path unless it really is no code.
  const struct rd_kafka_err_desc* descs = nullptr;
  size_t n = 0;
  rd_kafka_get_err_descs(&descs, &n);
  std::size_t retriable = 0;
  for (size_t i = 0; i < n; ++i) {
    if (descs[i].name == nullptr) continue;
    if (classify_delivery_error(descs[i].code) == DeliveryErrorClass::retriable) ++retriable;
  }
  EXPECT_GT(retriable, 30u);
}

}  // namespace
}  // namespace skillstream::connectors
