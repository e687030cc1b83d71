#include "fulcrum/binance/signing.h"

#include <gtest/gtest.h>

#include "fulcrum/binance/client_order_id.h"

using namespace fulcrum::binance;

// Binance's own worked examples ("SIGNED Endpoint Examples"): the key, the query and the
// signature they publish.
TEST(Signing, UsdmFuturesDocumentedExample) {
  QueryString q;
  q.add("symbol", "BTCUSDT").add("side", "BUY").add("type", "LIMIT").add("quantity", "1").add("price", "9000").add("timeInForce", "GTC");
  q.add("recvWindow", "5000").add("timestamp", "1591702613943");
  EXPECT_EQ(q.str(), "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943");
  EXPECT_EQ(q.signed_with("2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"),
            q.str() + "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
}

TEST(Signing, SpotDocumentedExample) {
  EXPECT_EQ(hmac_sha256_hex("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
                            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST(Signing, EncodesWhatIsSentAndDecodesItBack) {
  QueryString q;
  q.add("newClientOrderId", "a/b:c d&e=f").add("symbol", "BTCUSDT");
  EXPECT_EQ(q.str(), "newClientOrderId=a%2Fb%3Ac%20d%26e%3Df&symbol=BTCUSDT");
  std::vector<std::pair<std::string, std::string>> back;
  ASSERT_TRUE(parse_query(q.str(), back));
  EXPECT_EQ(back, q.params());
  EXPECT_FALSE(parse_query("a=%G1", back));
  EXPECT_FALSE(parse_query("a=%4", back));
  EXPECT_FALSE(parse_query("=1", back));
  std::string out;
  EXPECT_TRUE(url_decode("a+b%20c", out));
  EXPECT_EQ(out, "a b c");
}

TEST(Signing, ComparisonIsExact) {
  EXPECT_TRUE(signatures_equal("abc", "abc"));
  EXPECT_FALSE(signatures_equal("abc", "abd"));
  EXPECT_FALSE(signatures_equal("abc", "ab"));
}

TEST(ClientOrderId, ValidIdsPassUnchangedOthersAreHashedShortAndStable) {
  EXPECT_EQ(exchange_client_order_id("fixed-BTCUSDT-42"), "fixed-BTCUSDT-42");
  EXPECT_TRUE(valid_client_order_id("a.b:c/d_e-F9"));
  EXPECT_FALSE(valid_client_order_id(std::string(37, 'a')));
  EXPECT_FALSE(valid_client_order_id("a b"));
  const std::string long_id = "mode_3_full_risk-BTCUSDT-1736779200000-17";
  const auto a = exchange_client_order_id(long_id), b = exchange_client_order_id(long_id + "x");
  EXPECT_TRUE(valid_client_order_id(a)) << a;
  EXPECT_LE(a.size(), 36u);
  EXPECT_EQ(a, exchange_client_order_id(long_id));  // a re-send asks about the same order
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("mode_3_full_risk-BTCUSD", 0), 0u) << a;  // recognisable by an operator
  EXPECT_TRUE(valid_client_order_id(exchange_client_order_id("späť ✓")));
  EXPECT_THROW(exchange_client_order_id(""), std::invalid_argument);
}
