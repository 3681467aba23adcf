from hypothesis import given
from hypothesis import strategies as st

from ledgerline.domain.money import Money
from ledgerline.domain.routing import ProviderWeight, RoutingRule, choose_route, next_provider

USD = Money(amount_minor=5000, currency="USD")
DEFAULT = ("sim_a", "sim_b")


def rule(**kw):
    return RoutingRule(
        **{
            "id": "r",
            "priority": 1,
            "providers": (ProviderWeight("sim_b", 1), ProviderWeight("sim_a", 1)),
            **kw,
        }
    )


def test_no_matching_rule_uses_the_default_route():
    rules = [rule(currency="EUR")]
    assert (
        choose_route(rules, amount=USD, payment_method="pm_card_visa", default=DEFAULT, draw=0.1)
        == DEFAULT
    )


def test_rules_match_currency_method_and_amount_range_by_priority():
    big = rule(
        id="big", priority=1, amount_min_minor=10_000, providers=(ProviderWeight("sim_b", 1),)
    )
    cards = rule(
        id="cards", priority=2, method_prefix="pm_card", providers=(ProviderWeight("sim_a", 1),)
    )
    assert choose_route(
        [cards, big], amount=USD, payment_method="pm_card_visa", default=DEFAULT, draw=0
    ) == ("sim_a",)
    large = Money(amount_minor=20_000, currency="USD")
    assert choose_route(
        [cards, big], amount=large, payment_method="pm_card_visa", default=DEFAULT, draw=0
    ) == ("sim_b",)


def test_the_weighted_draw_picks_the_first_provider_and_the_rest_follow_as_failover():
    weighted = rule(providers=(ProviderWeight("sim_a", 70), ProviderWeight("sim_b", 30)))
    assert choose_route(
        [weighted], amount=USD, payment_method="pm_card_visa", default=DEFAULT, draw=0.69
    ) == ("sim_a", "sim_b")
    assert choose_route(
        [weighted], amount=USD, payment_method="pm_card_visa", default=DEFAULT, draw=0.70
    ) == ("sim_b", "sim_a")


@given(
    st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=5),
    st.floats(min_value=0, max_value=0.999999),
)
def test_a_route_is_always_a_permutation_and_zero_weights_never_lead(weights, draw):
    providers = tuple(ProviderWeight(f"p{i}", w) for i, w in enumerate(weights))
    route = choose_route(
        [rule(providers=providers)], amount=USD, payment_method="pm_x", default=DEFAULT, draw=draw
    )
    assert sorted(route) == sorted(p.name for p in providers)
    if sum(weights) > 0:
        assert weights[int(route[0][1:])] > 0


def test_failover_takes_the_least_tried_admitted_provider_in_route_order():
    route = ("sim_a", "sim_b")
    assert next_provider(route, tried=[], admitted={"sim_a", "sim_b"}) == "sim_a"
    assert next_provider(route, tried=["sim_a"], admitted={"sim_a", "sim_b"}) == "sim_b"
    assert next_provider(route, tried=["sim_a", "sim_b"], admitted={"sim_a", "sim_b"}) == "sim_a"
    assert next_provider(route, tried=[], admitted={"sim_b"}) == "sim_b"
    assert next_provider(route, tried=[], admitted=set()) is None
