// A 5 um x 3 um cell with a 0.2 um interphase layer ('sei') on a flat anode.
// Lengths in um. Physical groups are named after lidendrite's tag registry:
// surfaces 'electrolyte' and material names, curves 'anode', 'counter', 'left', 'right'.
W = 5; T = 3; d = 0.2;   // width, thickness, layer thickness
lc_a = 0.05; lc_b = 0.2;  // element sizes at the anode and in the bulk

Point(1) = {0, 0, 0, lc_a};
Point(2) = {W, 0, 0, lc_a};
Point(3) = {W, d, 0, lc_a};
Point(4) = {0, d, 0, lc_a};
Point(5) = {W, T, 0, lc_b};
Point(6) = {0, T, 0, lc_b};

Line(1) = {1, 2};  // anode
Line(2) = {2, 3};
Line(3) = {3, 4};  // top of the layer
Line(4) = {4, 1};
Line(5) = {3, 5};
Line(6) = {5, 6};  // counter electrode
Line(7) = {6, 4};

Curve Loop(1) = {1, 2, 3, 4};
Plane Surface(1) = {1};
Curve Loop(2) = {-3, 5, 6, 7};
Plane Surface(2) = {2};

Physical Surface("sei") = {1};
Physical Surface("electrolyte") = {2};
Physical Curve("anode") = {1};
Physical Curve("counter") = {6};
Physical Curve("left") = {4, 7};
Physical Curve("right") = {2, 5};
