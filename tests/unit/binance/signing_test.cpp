#include "fulcrum/binance/signing.h"

#include <gtest/gtest.h>

#include <algorithm>

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

namespace {
std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}
std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) out += kHex[static_cast<unsigned char>(c) >> 4], out += kHex[static_cast<unsigned char>(c) & 15];
  return out;
}
}  // namespace

// RFC 4648 §10's test vectors, both ways, and what a decoder must refuse.
TEST(Base64, Rfc4648VectorsRoundTripAndMalformedTextIsRefused) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    EXPECT_EQ(base64_encode(plain), coded);
    EXPECT_EQ(base64_decode(coded).value_or("<refused>"), plain);
  }
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zm=v", "=Zm9"}) EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  const std::string all = [] { std::string b; for (int i = 0; i < 256; ++i) b += static_cast<char>(i); return b; }();
  EXPECT_EQ(base64_decode(base64_encode(all)).value_or(""), all);
}

// RFC 8032 §7.1's Ed25519 test vectors 1–3 (secret key, message, signature as published):
// the signatures come out byte for byte, and verify under the published public keys.
TEST(Ed25519, Rfc8032TestVectors) {
  struct Vector {
    const char *seed, *public_key, *message, *signature;
  };
  const Vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
  };
  for (const auto& v : vectors) {
    const auto key = SigningKey::ed25519_from_seed(unhex(v.seed));
    ASSERT_TRUE(key.is_ed25519());
    const auto message = unhex(v.message);
    EXPECT_EQ(hex(key.sign_raw(message)), v.signature) << "seed " << v.seed;
    EXPECT_EQ(key.sign(message), base64_encode(unhex(v.signature)));
    // The public key as PEM: SubjectPublicKeyInfo DER is a fixed 12-byte prefix and the 32-byte key.
    const auto pem = key.public_key_pem();
    auto body = pem.substr(pem.find('\n') + 1);
    body = body.substr(0, body.find("-----"));
    body.erase(std::remove(body.begin(), body.end(), '\n'), body.end());
    EXPECT_EQ(hex(base64_decode(body).value_or("")), "302a300506032b6570032100" + std::string(v.public_key));
    const auto verifier = VerifyingKey::from_pem(pem);
    EXPECT_TRUE(verifier.verify(message, key.sign(message)));
    EXPECT_FALSE(verifier.verify(message + "x", key.sign(message))) << "another message";
    auto flipped = unhex(v.signature);
    flipped[10] = static_cast<char>(flipped[10] ^ 1);
    EXPECT_FALSE(verifier.verify(message, base64_encode(flipped))) << "a flipped bit";
    EXPECT_FALSE(verifier.verify(message, "not base64!"));
  }
  EXPECT_THROW(SigningKey::ed25519_from_seed("short"), std::invalid_argument);
}

// The API secret says which key type it is: a PEM private key is Ed25519, anything else HMAC.
// A SIGNED request's Ed25519 signature is base64, percent-encoded on the wire.
TEST(Ed25519, ThePemSecretSignsRequestsAsBinanceSpecifies) {
  const auto [private_pem, public_pem] = make_ed25519_key_pair();
  ASSERT_NE(private_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  const auto key = SigningKey::from_secret(private_pem);
  ASSERT_TRUE(key.is_ed25519());
  EXPECT_EQ(key.public_key_pem(), public_pem);
  EXPECT_FALSE(SigningKey::from_secret("2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9").is_ed25519());
  // Binance's example parameters (its "SIGNED Endpoint Examples" for Ed25519 keys).
  QueryString q;
  q.add("symbol", "BTCUSDT").add("side", "SELL").add("type", "LIMIT").add("timeInForce", "GTC").add("quantity", "1").add("price", "0.2");
  q.add("timestamp", "1668481559918").add("recvWindow", "5000");
  const auto sent = q.signed_with(key);
  ASSERT_EQ(sent.rfind(q.str() + "&signature=", 0), 0u) << sent;
  const auto wire = sent.substr(q.str().size() + 11);
  EXPECT_EQ(wire.find_first_of("+/="), std::string::npos) << "base64's + / = must be percent-encoded: " << wire;
  std::string decoded;
  ASSERT_TRUE(url_decode(wire, decoded));
  EXPECT_EQ(decoded.size(), 88u);  // 64 bytes in base64
  EXPECT_TRUE(VerifyingKey::from_pem(public_pem).verify(q.str(), decoded));
  EXPECT_EQ(decoded, key.sign(q.str())) << "Ed25519 is deterministic: the same payload, the same signature";
  // Keys that are not Ed25519 private keys are named, never echoed.
  const std::string rsa = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n";
  try {
    SigningKey::from_secret(rsa);
    ADD_FAILURE() << "an RSA PEM was taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("RSA PRIVATE KEY"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("MIIBOgIBAAJBAK"), std::string::npos) << "the key's content reached an error";
  }
  EXPECT_THROW(SigningKey::from_secret(public_pem), std::invalid_argument);
  EXPECT_THROW(SigningKey::from_secret("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), std::invalid_argument);
  EXPECT_THROW(VerifyingKey::from_pem(private_pem), std::invalid_argument);
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
