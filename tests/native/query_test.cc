#include "core/query/engine.h"

#include <gtest/gtest.h>

#include "core/query/regex.h"
#include "core/query/text.h"
#include "test_util.h"

namespace cellgraph::query {
namespace {
namespace json = boost::json;
using testing::obj;

class QueryTest : public ::testing::Test {
 protected:
  ManualClock clock;
  graph::Store store{clock, {1, 2, 60'000, 1000, {}}};
  QueryEngine engine{store};

  void put(const std::string& id, const char* value) {
    ASSERT_TRUE(store.put(id, obj(value)).ok());
    engine.onChanged({id});
  }
  void link(const std::string& a, const std::string& b) {
    ASSERT_TRUE(store.link(a, b).ok());
    engine.onChanged({a});
  }
  std::vector<std::string> q(const char* options) {
    auto o = parseQueryOptions(json::parse(options));
    EXPECT_TRUE(o.ok()) << o.status().toString();
    auto r = engine.run(*o);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    return r.ok() ? *r : std::vector<std::string>{};
  }
  Status err(const char* options) {
    auto o = parseQueryOptions(json::parse(options));
    if (!o.ok()) return o.status();
    return engine.run(*o).status();
  }
  void people() {
    put("ada", R"({"name":"Ada Lovelace","age":36,"tags":["math","poetry"],"city":{"name":"London"},"bio":"Crème brûlée lover","location":{"latitude":51.5074,"longitude":-0.1278}})");
    put("bob", R"({"name":"Bob","age":25,"tags":["music"],"city":{"name":"Paris"},"latitude":48.8566,"longitude":2.3522})");
    put("cy", R"({"name":"Cy","age":"unknown","tags":[],"nick":null})");
    put("dee", R"({"name":"Dee Dee","age":41.5,"tags":["math"],"city":{"name":"Zürich"}})");
  }
  using V = std::vector<std::string>;
};

TEST_F(QueryTest, ComparisonOperatorsAndBareValues) {
  people();
  EXPECT_EQ(q(R"({"query":{"name":"Bob"}})"), V{"bob"});
  EXPECT_EQ(q(R"({"query":{"age":{"$eq":36}}})"), V{"ada"});
  EXPECT_EQ(q(R"({"query":{"age":{"$ne":36}}})"), (V{"bob", "cy", "dee"}));
  EXPECT_EQ(q(R"({"query":{"age":{"$gt":30}}})"), (V{"ada", "dee"}));  // "unknown" is not a number: no match
  EXPECT_EQ(q(R"({"query":{"age":{"$gte":36,"$lt":41.5}}})"), V{"ada"});
  EXPECT_EQ(q(R"({"query":{"age":{"$lte":25}}})"), V{"bob"});
  EXPECT_EQ(q(R"({"query":{"age":{"$between":[25,36]}}})"), (V{"ada", "bob"}));
  EXPECT_EQ(q(R"({"query":{"age":{"$in":[25,"unknown"]}}})"), (V{"bob", "cy"}));
  EXPECT_EQ(q(R"({"query":{"age":{"$nin":[25,"unknown"]}}})"), (V{"ada", "dee"}));
  EXPECT_EQ(q(R"({"query":{"name":{"$gt":"C"}}})"), (V{"cy", "dee"}));  // strings compare with strings
}

TEST_F(QueryTest, MissingFieldsNullAndExists) {
  people();
  EXPECT_EQ(q(R"({"query":{"nick":{"$exists":true}}})"), V{"cy"});  // null is present
  EXPECT_EQ(q(R"({"query":{"nick":{"$exists":false}}})"), (V{"ada", "bob", "dee"}));
  EXPECT_EQ(q(R"({"query":{"nick":null}})"), V{"cy"});
  EXPECT_EQ(q(R"({"query":{"missing":{"$ne":1}}})"), (V{"ada", "bob", "cy", "dee"}));
  EXPECT_EQ(q(R"({"query":{"missing":{"$gt":0}}})"), V{});
}

TEST_F(QueryTest, DotPathsIdAndArrays) {
  people();
  EXPECT_EQ(q(R"({"query":{"city.name":"Paris"}})"), V{"bob"});
  EXPECT_EQ(q(R"({"query":{"city.name.x":"Paris"}})"), V{});
  EXPECT_EQ(q(R"({"query":{"id":"dee"}})"), V{"dee"});
  EXPECT_EQ(q(R"({"query":{"id":{"$in":["dee","ada","nobody"]}}})"), (V{"ada", "dee"}));
  EXPECT_EQ(q(R"({"query":{"tags":"math"}})"), (V{"ada", "dee"}));  // any element
  EXPECT_EQ(q(R"({"query":{"tags":["math","poetry"]}})"), V{"ada"});  // or the whole array
  EXPECT_EQ(q(R"({"query":{"tags":{"$in":["music","poetry"]}}})"), (V{"ada", "bob"}));
  EXPECT_EQ(q(R"({"query":{"tags":{"$contains":"mus"}}})"), V{"bob"});
}

TEST_F(QueryTest, StringOperatorsTextAndUnicode) {
  people();
  EXPECT_EQ(q(R"({"query":{"name":{"$startsWith":"Dee"}}})"), V{"dee"});
  EXPECT_EQ(q(R"({"query":{"name":{"$endsWith":"lace"}}})"), V{"ada"});
  EXPECT_EQ(q(R"({"query":{"name":{"$contains":"ee D"}}})"), V{"dee"});
  EXPECT_EQ(q(R"({"query":{"name":{"$contains":"ada"}}})"), V{});  // case-sensitive
  EXPECT_EQ(q(R"({"query":{"name":{"$like":"a%e"}}})"), V{"ada"});  // anchored, case-insensitive
  EXPECT_EQ(q(R"({"query":{"name":{"$like":"_ob"}}})"), V{"bob"});
  EXPECT_EQ(q(R"({"query":{"name":{"$regex":"^d.*e$"}}})"), V{"dee"});
  EXPECT_EQ(q(R"({"query":{"city.name":{"$regex":"zü"}}})"), V{"dee"});
  EXPECT_EQ(q(R"({"query":{"city.name":{"$regex":"ZÜRICH"}}})"), V{"dee"});
  EXPECT_EQ(q(R"({"query":{"bio":{"$text":"CREME brulee"}}})"), V{"ada"});
  EXPECT_EQ(q(R"({"query":{"city.name":{"$text":"zurich"}}})"), V{"dee"});
  EXPECT_EQ(normalizeText("Crème Brûlée, s'il vous plaît!"), "creme brulee sil vous plait");
  EXPECT_EQ(normalizeText("Straße ĄŁŻ"), "strasse alz");
}

TEST_F(QueryTest, LogicalOperators) {
  people();
  EXPECT_EQ(q(R"({"query":{"$or":[{"name":"Bob"},{"age":{"$gt":40}}]}})"), (V{"bob", "dee"}));
  EXPECT_EQ(q(R"({"query":{"$and":[{"tags":"math"},{"age":{"$lt":40}}]}})"), V{"ada"});
  EXPECT_EQ(q(R"({"query":{"$not":{"tags":"math"}}})"), (V{"bob", "cy"}));
  EXPECT_EQ(q(R"({"query":{"$not":{"$or":[{"name":"Bob"},{"name":"Cy"}]},"age":{"$exists":true}}})"), (V{"ada", "dee"}));
}

TEST_F(QueryTest, GeoNearAndBbox) {
  people();
  // London to Paris is about 344 km.
  EXPECT_EQ(q(R"({"query":{"$near":{"latitude":51.5,"longitude":-0.12,"radius":10}}})"), V{"ada"});
  EXPECT_EQ(q(R"({"query":{"$near":{"latitude":51.5,"longitude":-0.12,"radius":400}}})"), (V{"ada", "bob"}));
  EXPECT_EQ(q(R"({"query":{"$bbox":{"minLat":48,"maxLat":49,"minLng":2,"maxLng":3}}})"), V{"bob"});
  EXPECT_EQ(q(R"({"query":{"location":{"$near":{"latitude":51.5,"longitude":-0.12,"radius":10}}}})"), V{"ada"});
  EXPECT_EQ(err(R"({"query":{"$near":{"latitude":1}}})").code(), Code::kInvalidArgument);
}

TEST_F(QueryTest, SortingTiesAndCursors) {
  people();
  EXPECT_EQ(q(R"({"field":"age"})"), (V{"bob", "ada", "dee", "cy"}));  // numbers before strings
  EXPECT_EQ(q(R"({"field":"age","order":"desc"})"), (V{"cy", "dee", "ada", "bob"}));
  put("eve", R"({"age":36})");
  EXPECT_EQ(q(R"({"field":"age"})"), (V{"bob", "ada", "eve", "dee", "cy"}));  // tie broken by id
  EXPECT_EQ(q(R"({"field":"age","order":"desc"})"), (V{"cy", "dee", "eve", "ada", "bob"}));
  EXPECT_EQ(q(R"({"field":"nick"})").front(), "ada");  // missing sorts first
  EXPECT_EQ(q(R"({"field":"age","$limit":2})"), (V{"bob", "ada"}));
  EXPECT_EQ(q(R"({"field":"age","$after":"ada","$limit":2})"), (V{"eve", "dee"}));
  EXPECT_EQ(q(R"({"field":"age","$before":"dee","$limit":2})"), (V{"ada", "eve"}));  // nearest the cursor
  EXPECT_EQ(q(R"({"field":"age","$after":"bob","$before":"dee"})"), (V{"ada", "eve"}));
  EXPECT_EQ(q(R"({"field":"age","$after":"cy"})"), V{});   // at the end
  EXPECT_EQ(q(R"({"field":"age","$before":"bob"})"), V{});  // at the start
  EXPECT_EQ(q(R"({"$limit":0})"), V{});
  // A live node outside the result places itself by its key.
  EXPECT_EQ(q(R"({"query":{"tags":"math"},"field":"age","$after":"eve"})"), V{"dee"});
  // A removed cursor: by id it still has a place; by field it does not.
  ASSERT_TRUE(store.remove("bob").ok());
  engine.onChanged({"bob"});
  EXPECT_EQ(q(R"({"$after":"bob","$limit":1})"), V{"cy"});
  EXPECT_EQ(err(R"({"field":"age","$after":"bob"})").code(), Code::kNotFound);
}

TEST_F(QueryTest, SortingByIdUsesEachNodesOwnId) {
  put("a", R"({})");
  put("y", R"({})");
  put("z", R"({"id":"b"})");  // a value's own id shadows the node id
  EXPECT_EQ(q(R"({"field":"id"})"), (V{"a", "z", "y"}));
  EXPECT_EQ(q(R"({"field":"id","order":"desc","$limit":2})"), (V{"y", "z"}));
  EXPECT_EQ(q(R"({"field":"id","$after":"a"})"), (V{"z", "y"}));
}

TEST_F(QueryTest, EdgeTraversalIsCycleSafeDeduplicatedAndNestable) {
  for (const char* id : {"root", "a", "b", "c", "d", "other"}) put(id, R"({"type":"x"})");
  put("root", R"({"type":"start"})");
  put("c", R"({"type":"leaf"})");
  link("root", "a");
  link("a", "b");
  link("b", "a");  // a cycle
  link("b", "c");
  link("a", "c");  // a second path to c
  link("c", "d");
  EXPECT_EQ(q(R"({"query":{"type":"start","$edge":{}}})"), (V{"a", "b", "c", "d"}));
  EXPECT_EQ(q(R"({"query":{"type":"start","$edge":{"type":"leaf"}}})"), V{"c"});
  EXPECT_EQ(q(R"({"query":{"type":"start","$edge":{"type":"leaf","$edge":{}}}})"), V{"d"});
  EXPECT_EQ(q(R"({"query":{"id":{"$in":["a","b"]},"$edge":{"type":"x"}}})"), (V{"a", "b", "d"}));  // reachable starts count
  ASSERT_TRUE(store.remove("b").ok());
  engine.onChanged({"b"});
  EXPECT_EQ(q(R"({"query":{"type":"start","$edge":{}}})"), (V{"a", "c", "d"}));
  EXPECT_EQ(err(R"({"query":{"$or":[{"$edge":{}}]}})").code(), Code::kInvalidArgument);
}

TEST_F(QueryTest, ErrorsNameTheOffendingPart) {
  people();
  auto check = [&](const char* options, const char* fragment) {
    Status s = err(options);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << options;
    EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
  };
  check(R"({"query":{"age":{"$gtx":1}}})", "age.$gtx: unknown operator $gtx");
  check(R"({"query":{"age":{"$in":3}}})", "age.$in: expects an array");
  check(R"({"query":{"$or":[{"a":1},3]}})", "$or[1]: expects a query object");
  check(R"({"query":{"$or":[{"a":{"$between":[1]}}]}})", "$or[0].a.$between: expects [min, max]");
  check(R"({"query":{"name":{"$regex":"(a"}}})", "name.$regex");
  check(R"j({"query":{"name":{"$regex":"(?=a)"}}})j", "look-around");
  check(R"({"query":{"$foo":1}})", "unknown operator $foo");
  check(R"({"query":{"a":{"$eq":1,"b":2}}})", "mixes operators");
  check(R"({"order":"up"})", "'order'");
  check(R"({"$limit":-1})", "'$limit'");
  check(R"({"colour":"red"})", "unknown map option 'colour'");
}

TEST(Regex, HostilePatternsRunInLinearSteps) {
  // (a+)+$ against "aaaa...b" takes exponential time in a backtracking engine.
  for (const char* p : {"(a+)+$", "(a|a)*c", "(a*)*b", "^(a|aa)+$", "(x+x+)+y"}) {
    auto r = Regex::compile(p, true);
    ASSERT_TRUE(r.ok()) << p;
    std::string input(5000, p[1] == 'x' ? 'x' : 'a');
    input += "!";
    EXPECT_FALSE(r->matches(input));
    // Each input code point visits each instruction at most twice.
    EXPECT_LE(Regex::lastSteps(), (input.size() + 1) * r->programSize() * 2) << p;
  }
}

TEST(Regex, BoundsAndSyntax) {
  EXPECT_EQ(Regex::compile(std::string(600, 'a'), false).status().code(), Code::kTooLarge);
  EXPECT_EQ(Regex::compile("a{1001}", false).status().code(), Code::kTooLarge);
  EXPECT_EQ(Regex::compile("(a{100}){100}", false).status().code(), Code::kTooLarge);  // program size
  EXPECT_EQ(Regex::compile("(a)\\1", false).status().code(), Code::kInvalidArgument);
  auto r = Regex::compile("^[a-c]{2,3}\\d+(?:x|y)?$", false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->matches("ab12"));
  EXPECT_TRUE(r->matches("abc1y"));
  EXPECT_FALSE(r->matches("a1"));
  EXPECT_FALSE(r->matches("abcd1"));
  EXPECT_TRUE(Regex::compile("[^\\s]+@\\w+\\.com", false)->matches("mail me: ada@example.com"));
  EXPECT_TRUE(Regex::like("100\\%", false)->matches("100\\%"));  // no escapes in LIKE: literal backslash
  EXPECT_TRUE(Regex::like("%É%")->matches("café"));
}

TEST_F(QueryTest, IndexesAreBuiltForRepeatedFieldsAndUsedByThePlanner) {
  for (int i = 0; i < 500; ++i) {
    put("n" + std::to_string(i), (R"({"group":)" + std::to_string(i % 10) + R"(,"score":)" + std::to_string(i) + "}").c_str());
  }
  EXPECT_EQ(q(R"({"query":{"group":3}})").size(), 50u);
  EXPECT_EQ(engine.lastPlan().access, "scan");
  EXPECT_EQ(engine.lastPlan().examined, 500u);
  EXPECT_EQ(q(R"({"query":{"group":3}})").size(), 50u);  // second use: indexed
  EXPECT_EQ(engine.lastPlan().access, "eq-index group");
  EXPECT_EQ(engine.lastPlan().examined, 50u);
  put("n3", R"({"group":4,"score":3})");  // moves between buckets
  EXPECT_EQ(q(R"({"query":{"group":3}})").size(), 49u);
  EXPECT_EQ(q(R"({"query":{"group":{"$in":[3,4]}}})").size(), 100u);
  q(R"({"query":{"score":{"$gte":100,"$lt":110}}})");
  EXPECT_EQ(q(R"({"query":{"score":{"$gte":100,"$lt":110}}})").size(), 10u);
  EXPECT_EQ(engine.lastPlan().access, "range-index score");
  EXPECT_LE(engine.lastPlan().examined, 11u);
  auto top = q(R"({"field":"score","order":"desc","$limit":5})");
  EXPECT_EQ(top, (V{"n499", "n498", "n497", "n496", "n495"}));
  EXPECT_EQ(engine.lastPlan().access, "sorted-index score");
  EXPECT_EQ(engine.lastPlan().examined, 5u);
  EXPECT_EQ(q(R"({"query":{"id":"n7"}})"), V{"n7"});
  EXPECT_EQ(engine.lastPlan().access, "id");
  EXPECT_EQ(engine.lastPlan().examined, 1u);
}

}  // namespace
}  // namespace cellgraph::query
